#!/usr/bin/env python3
"""Cores of real programs nobody here wrote: Go's own compiler, gofmt and go
command, built unstripped from a Go toolchain's source tree and stopped
mid-work (SIGABRT with GOTRACEBACK=crash) once their heap has grown.

    bench/realprog/cores.py [--out DIR] [--go 1.22 --go 1.27] [--only compile|gofmt|go]

Output: DIR/go1.NN/{compile,gofmt,go} (the executables) and
DIR/go1.NN/<tool>.core (the cores).  Default DIR: /work/realprog.
What each does when it is stopped:
  compile  compiles cmd/compile/internal/ssa (the biggest package of the
           tree) with the built compiler;
  go       go list -deps -json -test std cmd with the built go command;
  gofmt    gofmt -l over the toolchain's whole src tree (its real path:
           a symbolic link would not be walked).
Each is stopped when its resident size first exceeds a threshold (or after
a timeout), so the heap is large and the program busy.
"""
import argparse
import glob
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

# Resident MiB at which each program is stopped, and a timeout in seconds.
STOP = {"compile": (600, 300), "go": (60, 300), "gofmt": (80, 300)}
PKG = "cmd/compile/internal/ssa"


def gobin(v):
    return "/usr/lib/go-%s/bin/go" % v


def env_for(v, tmp):
    return dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-buildvcs=false", GOPROXY="off",
                GOROOT="/usr/lib/go-%s" % v, GOCACHE=os.path.join(tmp, "gocache-" + v),
                GOTRACEBACK="crash", CGO_ENABLED="0")


def build(v, out, tmp):
    for tool in ("compile", "gofmt", "go"):
        exe = os.path.join(out, tool)
        if not os.path.exists(exe):
            subprocess.run([gobin(v), "build", "-o", exe, "cmd/" + tool],
                           cwd="/usr/lib/go-%s/src" % v, env=env_for(v, tmp), check=True)


def compile_argv(v, out, tmp, env):
    """The built compiler's command line for PKG, as go build would run it."""
    fmt = '{{if .Export}}packagefile {{.ImportPath}}={{.Export}}{{end}}'
    # The export data of PKG's imports (not of PKG: go list would compile it).
    imports = subprocess.run([gobin(v), "list", "-f", '{{join .Imports " "}}', PKG], env=env,
                             check=True, capture_output=True, text=True).stdout.split()
    cfg = subprocess.run([gobin(v), "list", "-export", "-deps", "-f", fmt] + imports,
                         env=env, check=True, capture_output=True, text=True).stdout
    cfgfile = os.path.join(tmp, "importcfg-" + v)
    with open(cfgfile, "w") as f:
        f.write(cfg)
    d = subprocess.run([gobin(v), "list", "-f", "{{.Dir}}", PKG], env=env, check=True,
                       capture_output=True, text=True).stdout.strip()
    files = sorted(glob.glob(os.path.join(d, "*.go")))
    files = [f for f in files if not f.endswith("_test.go")]
    return [os.path.join(out, "compile"), "-o", os.path.join(tmp, "ssa.a"), "-p", PKG,
            "-std", "-complete", "-importcfg", cfgfile, "-pack", "-c", "1"] + files


def rss_mib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def crash(argv, cwd, env, tool, dest):
    limit, timeout = STOP[tool]
    def limits():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    for old in glob.glob(os.path.join(cwd, "core*")):
        os.unlink(old)
    p = subprocess.Popen(argv, cwd=cwd, env=env, preexec_fn=limits,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.time()
    while p.poll() is None and rss_mib(p.pid) < limit and time.time() - start < timeout:
        time.sleep(0.05)
    if p.poll() is not None:
        sys.exit("%s finished before reaching %d MiB: raise its timeout or lower STOP" % (tool, limit))
    rss = rss_mib(p.pid)
    p.send_signal(signal.SIGABRT)
    p.wait()
    cores = glob.glob(os.path.join(cwd, "core*"))
    if len(cores) != 1:
        sys.exit("%s: no core written (status %d)" % (tool, p.returncode))
    os.replace(cores[0], dest)
    print("%s: stopped at %d MiB resident after %.1f s -> %s" % (tool, rss, time.time() - start, dest))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/work/realprog")
    ap.add_argument("--go", action="append")
    ap.add_argument("--only", action="append")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="heapcore-realprog-")
    for v in args.go or ["1.22", "1.27"]:
        out = os.path.join(args.out, "go" + v)
        os.makedirs(out, exist_ok=True)
        build(v, out, tmp)
        env = env_for(v, tmp)
        work = os.path.join(tmp, "work-" + v)
        os.makedirs(work, exist_ok=True)
        runs = {
            "compile": lambda: compile_argv(v, out, tmp, env),
            "go": lambda: [os.path.join(out, "go"), "list", "-deps", "-json", "-test", "std", "cmd"],
            "gofmt": lambda: [os.path.join(out, "gofmt"), "-l", os.path.realpath("/usr/lib/go-%s/src" % v)],
        }
        for tool, argv in runs.items():
            if args.only and tool not in args.only:
                continue
            # The go command's own cache is not wanted: it must list, not reuse.
            crash(argv(), work, dict(env, GOCACHE=os.path.join(tmp, "gocache-list")) if tool == "go" else env,
                  tool, os.path.join(out, tool + ".core"))


if __name__ == "__main__":
    main()

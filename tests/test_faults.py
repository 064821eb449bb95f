"""Every allocation failure ends in the normal answer, a partial answer whose
warning says memory ran out, or "out of memory": never a crash, a leak, a
sanitizer report or a different answer without a word.  The build's fault
injection (HEAPCORE_FAULT_INJECTION, on in the sanitizer build) fails the
library's Nth allocation (HEAPCORE_FAIL_ALLOC=N); the test sweeps N over the
allocations of `roots` on a small fixture.  All of them take some minutes,
so CI runs a fixed sample (HEAPCORE_FAULT_SWEEP=all runs every one)."""
import os
import random
import re
import unittest
from concurrent.futures import ThreadPoolExecutor

from heapcore_test import fixtures, run

ENABLED = os.environ.get("HEAPCORE_FAULT_INJECTION", "0") in ("1", "ON", "TRUE", "true")
SAMPLE = 40


def verdict(code, out, err, want):
    """None if the outcome is one the rule allows, else what is wrong."""
    if "Sanitizer" in err or "runtime error" in err or code < 0:
        return "crash or sanitizer report (status %d): %s" % (code, err[-3000:])
    if code == 0:
        if out == want:
            return None
        if re.search(r"^warning: .*out of memory", out, re.M):
            return None
        return "a different answer with no warning that memory ran out:\n" + out[-3000:]
    if code == 4 and err == "heapcore: error: out of memory\n":
        return None
    return "status %d: %s" % (code, err[-3000:])


@unittest.skipUnless(ENABLED, "needs a build with HEAPCORE_FAULT_INJECTION")
class AllocationFailureTest(unittest.TestCase):
    def test_roots(self):
        fx = fixtures("graph")[0]
        env = {"HEAPCORE_THREADS": "1", "HEAPCORE_CACHE": "off"}
        args = ("roots", "--top", "0", fx.core, fx.exe)
        _, want, err = run(*args, env=dict(env, HEAPCORE_COUNT_ALLOC="1"))
        total = int(re.search(r"fault injection: (\d+) allocations", err).group(1))
        self.assertGreater(total, 100)
        if os.environ.get("HEAPCORE_FAULT_SWEEP") == "all":
            picks = range(1, total + 1)
        else:
            # The first allocations (opening the core) and a fixed spread of the rest.
            rng = random.Random(19)
            picks = sorted(set(range(1, 9)) | set(rng.sample(range(9, total + 1), SAMPLE - 8)))

        def one(n):
            code, out, err = run(*args, check=False, timeout=300,
                                 env=dict(env, HEAPCORE_FAIL_ALLOC=str(n)))
            return n, verdict(code, out, err, want)

        with ThreadPoolExecutor(max_workers=2) as pool:
            for n, wrong in pool.map(one, picks):
                with self.subTest(fail_alloc=n):
                    self.assertIsNone(wrong)


if __name__ == "__main__":
    unittest.main()

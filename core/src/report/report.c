/*
 * Report plumbing shared by every command: JSON serialization through json-c
 * (a well-kept Debian library that handles escaping and 64-bit integers),
 * warnings, and signal names.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "target/program.h"
#include "report/report.h"

struct hc_error *hc_json_finish(json_object *doc, char **ret)
{
	if (!doc)
		return &hc_enomem;
	const char *s = json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			     JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = NULL;
	if (s && asprintf(&out, "%s\n", s) < 0)
		out = NULL;
	json_object_put(doc);
	if (!out)
		return &hc_enomem;
	*ret = out;
	return NULL;
}

void hc_json_add(json_object *obj, const char *key, json_object *val, bool *oom)
{
	if (!val || json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		*oom = true;
	}
}

void hc_json_add_string(json_object *obj, const char *key, const char *s, bool *oom)
{
	if (!s) {
		if (json_object_object_add(obj, key, NULL) != 0)
			*oom = true;
		return;
	}
	hc_json_add(obj, key, json_object_new_string(s), oom);
}

struct hc_error *hc_json_finish_report(const struct hc_program *prog, json_object *doc,
				       bool oom, char **ret)
{
	if (doc && !oom)
		hc_json_add(doc, "warnings", hc_json_warnings(prog), &oom);
	if (!doc || oom) {
		json_object_put(doc);
		return &hc_enomem;
	}
	return hc_json_finish(doc, ret);
}

void hc_report_begin(struct hc_program *prog, unsigned phases)
{
	prog->report_phases = phases;
}

json_object *hc_json_warnings(const struct hc_program *prog)
{
	json_object *arr = json_object_new_array();
	for (int k = 0; arr && k < HC_NPHASES; k++) {
		const struct hc_warnings *w = &prog->warnings[k];
		if (!(prog->report_phases >> k & 1))
			continue;
		for (size_t i = 0; i < w->count; i++) {
			json_object *s = json_object_new_string(w->msgs[i].text);
			if (!s || json_object_array_add(arr, s) != 0) {
				json_object_put(s);
				json_object_put(arr);
				return NULL;
			}
		}
		if (w->lost && json_object_array_add(arr, json_object_new_string(
					hc_warnings_line(w, w->nkinds))) != 0) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

void hc_text_warnings(struct hc_strbuf *sb, const struct hc_program *prog)
{
	for (size_t i = 0; i < hc_program_num_warnings(prog); i++) {
		const char *line = hc_program_warning(prog, i);
		if (!line) {
			sb->oom = true;
			return;
		}
		hc_strbuf_printf(sb, "warning: %s\n", line);
	}
}

const char *hc_signal_name(int sig, char buf[static 16])
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL",   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",   [SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
		[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",
		[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
		[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",   [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};
	if (sig > 0 && (size_t)sig < HC_ARRAY_SIZE(names) && names[sig])
		return names[sig];
	snprintf(buf, 16, "signal %d", sig);
	return buf;
}

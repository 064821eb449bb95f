/*
 * Report plumbing shared by every command: JSON serialization through json-c
 * (a well-kept Debian library that handles escaping and 64-bit integers),
 * warnings, and signal names.
 */
#include <inttypes.h>
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

/* Each damage message of the report's phases, in order: @p fn(arg, msg). */
static bool each_damage(const struct hc_program *prog,
			bool (*fn)(void *arg, const struct hc_warning_msg *m), void *arg)
{
	for (int k = 0; k < HC_NPHASES; k++) {
		const struct hc_warnings *w = &prog->warnings[k];
		if (!(prog->report_phases >> k & 1))
			continue;
		for (size_t i = 0; i < w->count; i++) {
			if (w->msgs[i].structure && !fn(arg, &w->msgs[i]))
				return false;
		}
	}
	return true;
}

static bool damage_json(void *arg, const struct hc_warning_msg *m)
{
	json_object *arr = arg, *o = json_object_new_object();
	bool oom = !o;
	if (o) {
		hc_json_add_string(o, "structure", m->structure, &oom);
		if (m->address)
			hc_json_add(o, "address", json_object_new_uint64(m->address), &oom);
		else
			hc_json_add_string(o, "address", NULL, &oom);
		hc_json_add_string(o, "reason", m->text, &oom);
		hc_json_add_string(o, "affects", m->affects, &oom);
	}
	if (oom || json_object_array_add(arr, o) != 0) {
		json_object_put(o);
		return false;
	}
	return true;
}

/*
 * "incomplete": whether the answer lacks something it needed, and
 * "damaged": each such thing, {"structure", "address", "reason", "affects"}.
 */
static void json_incomplete(const struct hc_program *prog, json_object *doc, bool *oom)
{
	json_object *arr = json_object_new_array();
	if (!arr || !each_damage(prog, damage_json, arr)) {
		json_object_put(arr);
		*oom = true;
		return;
	}
	hc_json_add(doc, "incomplete", json_object_new_boolean(json_object_array_length(arr) > 0),
		    oom);
	hc_json_add(doc, "damaged", arr, oom);
}

struct hc_error *hc_json_finish_report(const struct hc_program *prog, json_object *doc,
				       bool oom, char **ret)
{
	if (doc && !oom)
		hc_json_add(doc, "warnings", hc_json_warnings(prog), &oom);
	if (doc && !oom)
		json_incomplete(prog, doc, &oom);
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

/* What the damage of one kind of answer adds up to, for its text line. */
struct damage_group {
	const char *affects;
	size_t count;
	const struct hc_warning_msg *first[3];
};

struct damage_groups {
	struct damage_group g[32];
	size_t n;
	size_t other; /* damage beyond the groups kept */
};

static bool damage_group(void *arg, const struct hc_warning_msg *m)
{
	struct damage_groups *d = arg;
	size_t i;
	for (i = 0; i < d->n && strcmp(d->g[i].affects, m->affects) != 0; i++)
		;
	if (i == d->n) {
		if (d->n == HC_ARRAY_SIZE(d->g)) {
			d->other++;
			return true;
		}
		d->g[d->n++] = (struct damage_group){.affects = m->affects};
	}
	if (d->g[i].count < HC_ARRAY_SIZE(d->g[i].first))
		d->g[i].first[d->g[i].count] = m;
	d->g[i].count++;
	return true;
}

void hc_text_incomplete(struct hc_strbuf *sb, const struct hc_program *prog, size_t max)
{
	struct damage_groups d = {.n = 0};
	each_damage(prog, damage_group, &d);
	if (d.n > max) {
		for (size_t i = max; i < d.n; i++)
			d.other += d.g[i].count;
		d.n = max;
	}
	for (size_t i = 0; i < d.n; i++) {
		const struct damage_group *g = &d.g[i];
		hc_strbuf_printf(sb, "incomplete: %s (", g->affects);
		size_t shown = g->count < HC_ARRAY_SIZE(g->first) ? g->count : HC_ARRAY_SIZE(g->first);
		for (size_t k = 0; k < shown; k++) {
			hc_strbuf_printf(sb, "%s%s", k ? ", " : "", g->first[k]->structure);
			if (g->first[k]->address)
				hc_strbuf_printf(sb, " at 0x%" PRIx64, g->first[k]->address);
		}
		if (g->count > shown)
			hc_strbuf_printf(sb, " and %zu more", g->count - shown);
		hc_strbuf_puts(sb, ")\n");
	}
	if (d.other)
		hc_strbuf_printf(sb, "incomplete: %zu more damaged or missing structure%s (--json lists them)\n",
				 d.other, d.other == 1 ? "" : "s");
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
	hc_text_incomplete(sb, prog, SIZE_MAX);
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

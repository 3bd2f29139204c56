// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_throughput's one machine format. scripts/bench-report.py renders the
 * table, the CSV and the plot data from it.
 *
 * { "tool", "kernel", "cpus", "quick", "primary_fill", "memory",
 *   "devices": { "model", "edu", "uio" },
 *   "targets": [ { name, what, why, primary, value, cmp, limit, result } ],
 *   "notes": [ "..." ],
 *   "results": [ { section, test, mode, metric, value, unit,
 *                  params: { buf_size, ring_depth, batch, fill, memory } } ] }
 *
 * memory is --memory (auto, coherent, cached); a result's params.memory is
 * the kind its own ring got (coherent, cached; see struct params). A target's result is "met", "missed" or "n/a" (value and
 * limit null); a parameter that does not apply to a result is left out of
 * its params.
 */
#include <math.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* "key": value with a separator before it unless first. */
static void json_key(FILE *f, const char *key, bool first)
{
	if (!first)
		fputs(", ", f);
	json_str(f, key);
	fputs(": ", f);
}

static void json_num(FILE *f, const char *key, double v, bool have)
{
	json_key(f, key, false);
	if (have && isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

static void json_field(FILE *f, const char *key, const char *v, bool first)
{
	json_key(f, key, first);
	json_str(f, v);
}

static void write_target(FILE *f, const struct target *t)
{
	fputs("{", f);
	json_field(f, "name", t->name, true);
	json_field(f, "what", t->what, false);
	json_field(f, "why", t->why, false);
	json_key(f, "primary", false);
	fputs(t->primary ? "true" : "false", f);
	json_num(f, "value", t->value, t->have);
	json_field(f, "cmp", t->cmp, false);
	json_num(f, "limit", t->limit, t->have);
	json_field(f, "result", !t->have ? "n/a" : t->met ? "met" : "missed", false);
	fputs("}", f);
}

/* One of a result's params, if it applies. */
static void param(FILE *f, const char *key, long v, bool applies, bool *first)
{
	if (!applies)
		return;
	json_key(f, key, *first);
	fprintf(f, "%ld", v);
	*first = false;
}

static void write_result(FILE *f, const struct result *r)
{
	const struct params *p = &r->p;
	bool first = true;

	fputs("{", f);
	json_field(f, "section", p->section, true);
	json_field(f, "test", p->test, false);
	json_field(f, "mode", p->mode, false);
	json_field(f, "metric", r->metric, false);
	json_num(f, "value", r->value, true);
	json_field(f, "unit", r->unit, false);
	json_key(f, "params", false);
	fputs("{", f);
	param(f, "buf_size", p->buf_size, p->buf_size, &first);
	param(f, "ring_depth", p->depth, p->depth, &first);
	param(f, "batch", p->batch, p->batch, &first);
	param(f, "fill", p->fill, p->fill != NO_FILL, &first);
	if (p->memory) {
		json_field(f, "memory", p->memory, first);
		first = false;
	}
	fputs("}}", f);
}

bool write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	struct utsname un;
	const struct target *t;
	const struct result *r;
	const char *n;

	if (!f)
		return false;
	if (uname(&un))
		un.release[0] = 0;
	fputs("{\n  ", f);
	json_field(f, "tool", "dma_throughput", true);
	json_field(f, "kernel", un.release, false);
	json_num(f, "cpus", (double)sysconf(_SC_NPROCESSORS_ONLN), true);
	json_key(f, "quick", false);
	fputs(opt.quick ? "true" : "false", f);
	json_num(f, "primary_fill", opt.primary_fill, true);
	json_field(f, "memory", mem_name((int)opt.memory), false);
	fputs(",\n  \"devices\": {", f);
	json_field(f, "model", model.found ? model.node : "", true);
	json_field(f, "edu", edu.found ? edu.node : "", false);
	json_field(f, "uio", opt.uio ? opt.uio : "", false);
	fputs("},\n  \"targets\": [", f);
	for (size_t i = 0; (t = target_at(i)); i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		write_target(f, t);
	}
	fputs("\n  ],\n  \"notes\": [", f);
	for (size_t i = 0; (n = note_at(i)); i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		json_str(f, n);
	}
	fputs("\n  ],\n  \"results\": [", f);
	for (size_t i = 0; (r = result_at(i)); i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		write_result(f, r);
	}
	fputs("\n  ]\n}\n", f);
	return fclose(f) == 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/* dma_throughput: finding the devices, the model's knobs, library streams. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

struct fdev model, edu;

bool sysfs_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static bool sysfs_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(val, f) >= 0;
	ok &= fclose(f) == 0;
	return ok;
}

/* The first stream-engine device is the model, the first edu one is edu. */
void find_devices(void)
{
	for (int i = 0; i < 16; i++) {
		char path[96], engine[32];
		struct fdev *d;

		snprintf(path, sizeof(path), "/sys/class/fpgadma/fpgadma%d/engine", i);
		if (!sysfs_read(path, engine, sizeof(engine)))
			continue;
		if (!strcmp(engine, "stream"))
			d = &model;
		else if (!strcmp(engine, "edu"))
			d = &edu;
		else
			continue;
		if (d->found)
			continue;
		d->found = true;
		snprintf(d->node, sizeof(d->node), "/dev/fpgadma%d", i);
		snprintf(d->knobs, sizeof(d->knobs),
			 "/sys/class/fpgadma/fpgadma%d/device/..", i);
	}
}

static bool knob(const char *name, unsigned long val)
{
	char path[160], v[32];

	snprintf(path, sizeof(path), "%s/%s", model.knobs, name);
	snprintf(v, sizeof(v), "%lu\n", val);
	if (!sysfs_write(path, v)) {
		warn("cannot write %lu to %s: %s", val, path, strerror(errno));
		return false;
	}
	return true;
}

bool model_setup(unsigned long rate, int fill)
{
	return knob("rate", rate) && knob("fill", (unsigned long)fill) &&
	       knob("len", 0);
}

bool stream_open_mem(struct stream *s, const char *node, uint32_t count,
		     uint32_t size, unsigned int flags, unsigned int memory)
{
	const char *what = "open";
	int r;

	memset(s, 0, sizeof(*s));
	r = fpgadma_open(&s->dev, node, flags);
	if (!r && count) {
		what = "configure";
		r = fpgadma_configure_memory(s->dev, count, size, memory);
	}
	if (!r) {
		what = "info";
		r = fpgadma_info(s->dev, &s->info);
	}
	if (!r) {
		what = "memory";
		s->memory = fpgadma_memory(s->dev);
		r = s->memory < 0 ? s->memory : 0;
	}
	if (!r && !(flags & FPGADMA_OPEN_COPY)) {
		/* One interrupt per buffer; edu has no moderation. */
		what = "set_coalesce 1/0";
		r = fpgadma_set_coalesce(s->dev, 1, 0);
		if (r == -EOPNOTSUPP)
			r = 0;
		if (!r) {
			what = "start";
			r = fpgadma_start(s->dev);
		}
	}
	if (r) {
		warn("%s %s (%u x %u, memory %s): %s", what, node, count, size,
		     mem_name((int)memory), fpgadma_strerror(r));
		stream_close(s);
		return false;
	}
	return true;
}

bool stream_open(struct stream *s, const char *node, uint32_t count,
		 uint32_t size, unsigned int flags)
{
	return stream_open_mem(s, node, count, size, flags, opt.memory);
}

void stream_close(struct stream *s)
{
	fpgadma_close(s->dev);	/* stops the stream, unmaps the ring */
	s->dev = NULL;
}

/*
 * The library maps the whole ring and keeps it mapped across a stop; it
 * hands out views (buffer i at i * buf_size) rather than the mapping.
 */
const uint8_t *ring_base(const struct stream *s, const struct fpgadma_view *v)
{
	return (const uint8_t *)v->data - (size_t)v->index * s->info.buf_size;
}

uint32_t fit_depth(uint32_t want, uint32_t size, const struct fpgadma_devinfo *info)
{
	uint64_t max = info->max_ring_size / size;

	if (max > info->max_buf_count)
		max = info->max_buf_count;
	return want > max ? (uint32_t)max : want;
}

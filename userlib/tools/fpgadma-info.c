// SPDX-License-Identifier: MIT
/*
 * fpgadma-info: list the PCI devices fpgadma drives or can drive (libpci),
 * with their BARs, NUMA node, PCIe link (current vs capable), interrupt
 * mode, bound driver, and the fpgadma ring and counters from sysfs, and
 * the interrupt-to-wakeup latency histogram from debugfs when readable;
 * then the fpgadma devices on other buses (device tree, platform).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <pci/pci.h>

struct id { unsigned int vendor, device; const char *engine; };
static const struct id ids[] = {
#include "fpgadma_ids.h"	/* generated from driver/fpgadma_ids.c */
};

static const char *sysfs = "/sys";
static const char *debugfs = "/sys/kernel/debug";
static int json;
static int first_dev = 1;

static void usage(FILE *f)
{
	fprintf(f,
"usage: fpgadma-info [--json] [--help]\n"
"List the PCI devices that the fpgadma driver drives or can drive: address,\n"
"IDs, BARs, NUMA node, PCIe link speed/width (current vs capable; a warning\n"
"when the link runs degraded), interrupt mode, bound driver, and for bound\n"
"devices the ring configuration and counters from /sys/class/fpgadma.\n"
"Then the fpgadma devices on other buses (a device-tree node, a platform\n"
"device): name, compatible, ring and counters.\n"
"Reading capabilities (link, MSI) needs root; without it they show as\n"
"unknown. The interrupt-to-wakeup latency histogram of each device comes\n"
"from debugfs (/sys/kernel/debug/fpgadma/<node>/latency): it needs root\n"
"and a mounted debugfs; otherwise the reason is shown instead.\n"
"\n"
"  -j, --json   one JSON document on stdout\n"
"  -h, --help   this help\n"
"Exit status: 0 (also when no device is found), 1 on error.\n");
}

/* ---- output helpers ---------------------------------------------------- */

static void jstr(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	char *nl;

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

static const char *pcie_speed(unsigned int code)
{
	static const char *s[] = { "?", "2.5GT/s", "5GT/s", "8GT/s", "16GT/s",
				   "32GT/s", "64GT/s" };

	return code < sizeof(s) / sizeof(s[0]) ? s[code] : "?";
}

/* ---- one device ------------------------------------------------------- */

struct link { int pcie, known; unsigned int cap_speed, cap_width, sta_speed, sta_width; };

static void get_link(struct pci_dev *d, struct link *l)
{
	struct pci_cap *cap = pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	u32 lnkcap;
	u16 lnksta;

	memset(l, 0, sizeof(*l));
	if (!cap)
		return;
	l->pcie = 1;
	lnkcap = pci_read_long(d, (int)cap->addr + PCI_EXP_LNKCAP);
	lnksta = pci_read_word(d, (int)cap->addr + PCI_EXP_LNKSTA);
	l->cap_speed = lnkcap & PCI_EXP_LNKCAP_SPEED;
	l->cap_width = (lnkcap & PCI_EXP_LNKCAP_WIDTH) >> 4;
	l->sta_speed = lnksta & PCI_EXP_LNKSTA_SPEED;
	l->sta_width = (lnksta & PCI_EXP_LNKSTA_WIDTH) >> 4;
	l->known = l->cap_width != 0;
}

static const char *irq_mode(struct pci_dev *d, int caps_known)
{
	struct pci_cap *cap;

	if (!caps_known)
		return "unknown";
	cap = pci_find_cap(d, PCI_CAP_ID_MSIX, PCI_CAP_NORMAL);
	if (cap && (pci_read_word(d, (int)cap->addr + 2) & PCI_MSIX_ENABLE))
		return "MSI-X";
	cap = pci_find_cap(d, PCI_CAP_ID_MSI, PCI_CAP_NORMAL);
	if (cap && (pci_read_word(d, (int)cap->addr + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE))
		return "MSI";
	return "INTx";
}

static const char *attrs[] = { "engine", "buf_count", "buf_size", "streaming",
			       "completed", "dequeued", "released", "dropped", "irqs",
			       "memory", "starved", "starved_ns" };
#define ATTR_MEMORY 9
#define ATTR_STARVED 10
#define ATTR_STARVED_NS 11
#define N_ATTRS (sizeof(attrs) / sizeof(attrs[0]))

#define DEBUGFS_MAGIC	0x64626720
#define LAT_LINES	40

/* The latency histogram of @node, as its debugfs file shows it. */
struct latency {
	int nlines;
	char line[LAT_LINES][80];	/* "lo-hi ns: n" or "lo- ns: n" */
	unsigned long long count, min_ns, max_ns, mean_ns;
	const char *why;		/* not readable: the reason */
};

/* The number after @key in @line, if @line starts with @key. */
static int key_u64(const char *line, const char *key, unsigned long long *v)
{
	size_t n = strlen(key);
	char *end;

	if (strncmp(line, key, n))
		return 0;
	errno = 0;
	*v = strtoull(line + n, &end, 10);
	return !errno && end != line + n && !*end;
}

/* A bucket line: "lo-hi ns: n", or "lo- ns: n" (*hi = 0: open ended). */
static int bucket_line(const char *line, unsigned long long *lo,
		       unsigned long long *hi, unsigned long long *n)
{
	const char *p = strstr(line, " ns: ");
	char *end;

	if (!p)
		return 0;
	errno = 0;
	*lo = strtoull(line, &end, 10);
	if (errno || end == line || *end != '-')
		return 0;
	*hi = 0;
	if (end + 1 != p) {
		*hi = strtoull(end + 1, &end, 10);
		if (errno || end != p)
			return 0;
	}
	return key_u64(p, " ns: ", n);
}

static void read_latency(const char *node, struct latency *lat)
{
	static char why[PATH_MAX + 128];
	char path[PATH_MAX], line[128];
	FILE *f;

	memset(lat, 0, sizeof(*lat));
	snprintf(path, sizeof(path), "%s/fpgadma/%s/latency", debugfs, node);
	f = fopen(path, "re");
	if (!f) {
		char dir[PATH_MAX];
		struct statfs sfs;
		struct stat st;
		int err = errno;

		snprintf(dir, sizeof(dir), "%s/fpgadma", debugfs);
		if (err == EACCES || err == EPERM)
			snprintf(why, sizeof(why), "%s is readable by root only", debugfs);
		else if (statfs(debugfs, &sfs) || sfs.f_type != DEBUGFS_MAGIC)
			snprintf(why, sizeof(why), "debugfs is not mounted at %s (mount -t debugfs none %s)",
				 debugfs, debugfs);
		else if (stat(dir, &st))
			snprintf(why, sizeof(why), "%s missing: this fpgadma has no debugfs files", dir);
		else
			snprintf(why, sizeof(why), "no latency file for %s: %s", node, strerror(err));
		lat->why = why;
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v, lo, hi;

		line[strcspn(line, "\n")] = '\0';
		if (key_u64(line, "count: ", &v))
			lat->count = v;
		else if (key_u64(line, "min_ns: ", &v))
			lat->min_ns = v;
		else if (key_u64(line, "max_ns: ", &v))
			lat->max_ns = v;
		else if (key_u64(line, "mean_ns: ", &v))
			lat->mean_ns = v;
		else if (bucket_line(line, &lo, &hi, &v) && lat->nlines < LAT_LINES)
			snprintf(lat->line[lat->nlines++], sizeof(lat->line[0]), "%.79s", line);
	}
	fclose(f);
}

static void show_latency_json(const struct latency *lat)
{
	int i;

	printf(", \"latency\": ");
	if (lat->why) {
		printf("null, \"latency_unavailable\": ");
		jstr(lat->why);
		return;
	}
	printf("{\"count\": %llu, \"min_ns\": %llu, \"max_ns\": %llu, \"mean_ns\": %llu, \"buckets\": [",
	       lat->count, lat->min_ns, lat->max_ns, lat->mean_ns);
	for (i = 0; i < lat->nlines; i++) {
		unsigned long long lo, hi, n;

		if (!bucket_line(lat->line[i], &lo, &hi, &n))
			continue;
		if (hi)
			printf("%s{\"from_ns\": %llu, \"to_ns\": %llu, \"count\": %llu}",
			       i ? ", " : "", lo, hi, n);
		else
			printf("%s{\"from_ns\": %llu, \"to_ns\": null, \"count\": %llu}",
			       i ? ", " : "", lo, n);
	}
	printf("]}");
}

static void show_latency_text(const char *node, const struct latency *lat)
{
	int i;

	if (lat->why) {
		printf("  latency: not shown: %s\n", lat->why);
		return;
	}
	printf("  latency, interrupt to wakeup: %llu samples", lat->count);
	if (lat->count)
		printf(", min %llu ns, mean %llu ns, max %llu ns", lat->min_ns,
		       lat->mean_ns, lat->max_ns);
	printf(" (%s/fpgadma/%s/latency)\n", debugfs, node);
	for (i = 0; i < lat->nlines; i++)
		printf("    %s\n", lat->line[i]);
}

/* The last component of symlink @path's target into @out; "" if none. */
static int link_base(const char *path, char *out, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	n = (ssize_t)strlen(base);
	if ((size_t)n >= len)
		n = (ssize_t)len - 1;
	memcpy(out, base, (size_t)n);
	out[n] = '\0';
	return 0;
}

/* Find /sys/class/fpgadma/<node> whose device is @bdf. */
static int find_node(const char *bdf, char *node, size_t len)
{
	char path[PATH_MAX], dev[256];
	struct dirent *e;
	DIR *dir;
	int found = 0;

	snprintf(path, sizeof(path), "%s/class/fpgadma", sysfs);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!found && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/class/fpgadma/%s/device", sysfs, e->d_name);
		if (!link_base(path, dev, sizeof(dev)) && !strcmp(dev, bdf)) {
			snprintf(node, len, "%.63s", e->d_name);
			found = 1;
		}
	}
	closedir(dir);
	return found;
}

/* The device's address, and the name of its bound driver ("" if none). */
static void bdf_driver(const struct pci_dev *d, char *bdf, size_t bdf_len,
		       char *driver, size_t drv_len)
{
	char path[PATH_MAX];

	snprintf(bdf, bdf_len, "%04x:%02x:%02x.%d", d->domain, d->bus, d->dev, d->func);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", sysfs, bdf);
	link_base(path, driver, drv_len);
}

/* The ring of class node @node: its sysfs attributes and latency file. */
struct ring {
	char vals[N_ATTRS][64];	/* "" where unreadable */
	struct latency lat;
};

static void read_ring(const char *node, struct ring *r)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < (int)N_ATTRS; i++) {
		snprintf(path, sizeof(path), "%s/class/fpgadma/%s/%s", sysfs, node, attrs[i]);
		if (read_line(path, r->vals[i], sizeof(r->vals[i])))
			r->vals[i][0] = '\0';
	}
	read_latency(node, &r->lat);
}

static void show_ring_json(const char *node, const struct ring *r)
{
	int i;

	printf("{\"node\": ");
	jstr(node);
	for (i = 0; i < (int)N_ATTRS; i++) {
		printf(", \"%s\": ", attrs[i]);
		if (!r->vals[i][0])
			printf("null");
		else if (i == 0 || i == ATTR_MEMORY)
			jstr(r->vals[i]);
		else
			printf("%s", r->vals[i]);
	}
	show_latency_json(&r->lat);
	printf("}");
}

static void show_ring_text(const char *node, const struct ring *r)
{
	const char *v[N_ATTRS], *starved = r->vals[ATTR_STARVED];
	int i;

	for (i = 0; i < (int)N_ATTRS; i++)	/* "?" for what sysfs did not say */
		v[i] = r->vals[i][0] ? r->vals[i] : "?";

	printf("  /dev/%s: engine %s, ring %s x %s bytes of %s memory, streaming %s\n",
	       node, v[0], v[1], v[2],
	       r->vals[ATTR_MEMORY][0] ? v[ATTR_MEMORY] : "coherent", v[3]);
	printf("  counters: completed %s, dequeued %s, released %s, dropped %s, irqs %s\n",
	       v[4], v[5], v[6], v[7], v[8]);
	/* Engines with a flow-controlled source hold it back instead of dropping. */
	if (starved[0] && (strcmp(starved, "0") || !strcmp(v[0], "dmaengine")))
		printf("  starved: %s times, %s ns in all (source held back, no data lost)\n",
		       starved, v[ATTR_STARVED_NS]);
	show_latency_text(node, &r->lat);
}

static void show(struct pci_access *pacc, struct pci_dev *d, const char *engine)
{
	char bdf[32], driver[64], node[64] = "", name[256];
	int caps_known, i, has_node;
	static struct ring ring;
	struct link l;
	const char *irq;

	bdf_driver(d, bdf, sizeof(bdf), driver, sizeof(driver));
	/* Reading past the first 64 bytes of config space needs root. */
	caps_known = geteuid() == 0;
	if (caps_known)
		pci_fill_info(d, PCI_FILL_CAPS);
	get_link(d, &l);
	irq = irq_mode(d, caps_known);
	has_node = find_node(bdf, node, sizeof(node));
	if (has_node)
		read_ring(node, &ring);
	if (!pci_lookup_name(pacc, name, sizeof(name), PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE,
			     d->vendor_id, d->device_id))
		snprintf(name, sizeof(name), "unknown device");

	if (json) {
		printf("%s\n    {\"bus\": \"pci\", \"bdf\": ", first_dev ? "" : ",");
		jstr(bdf);
		printf(", \"vendor\": \"%04x\", \"device\": \"%04x\", \"subsystem_vendor\": \"%04x\", \"subsystem_device\": \"%04x\", \"class\": \"%04x\", \"name\": ",
		       d->vendor_id, d->device_id, d->subsys_vendor_id, d->subsys_id, d->device_class);
		jstr(name);
		printf(", \"engine\": ");
		jstr(engine);
		printf(", \"numa_node\": %d, \"driver\": ", d->numa_node);
		if (driver[0])
			jstr(driver);
		else
			printf("null");
		int nbars = 0;

		printf(", \"irq\": %d, \"irq_mode\": \"%s\", \"bars\": [", d->irq,
		       driver[0] ? irq : "none");
		for (i = 0; i < 6; i++) {
			pciaddr_t a = d->base_addr[i];

			if (!a && !d->size[i])
				continue;
			printf("%s{\"bar\": %d, \"type\": \"%s\", \"address\": \"0x%llx\", \"size\": %llu, \"64bit\": %s, \"prefetchable\": %s}",
			       nbars++ ? ", " : "", i, (a & PCI_BASE_ADDRESS_SPACE_IO) ? "io" : "mem",
			       (unsigned long long)(a & ((a & PCI_BASE_ADDRESS_SPACE_IO) ?
					PCI_BASE_ADDRESS_IO_MASK : PCI_BASE_ADDRESS_MEM_MASK)),
			       (unsigned long long)d->size[i],
			       (a & PCI_BASE_ADDRESS_MEM_TYPE_64) ? "true" : "false",
			       (a & PCI_BASE_ADDRESS_MEM_PREFETCH) ? "true" : "false");
		}
		printf("], \"link\": ");
		if (!caps_known)
			printf("null");
		else if (!l.pcie)
			printf("{\"pcie\": false}");
		else
			printf("{\"pcie\": true, \"speed\": \"%s\", \"width\": %u, \"max_speed\": \"%s\", \"max_width\": %u, \"degraded\": %s}",
			       pcie_speed(l.sta_speed), l.sta_width, pcie_speed(l.cap_speed), l.cap_width,
			       (l.sta_speed < l.cap_speed || l.sta_width < l.cap_width) ? "true" : "false");
		printf(", \"fpgadma\": ");
		if (!has_node) {
			printf("null}");
			return;
		}
		show_ring_json(node, &ring);
		printf("}");
		first_dev = 0;
		return;
	}

	printf("%s %04x:%04x %s (engine %s)\n", bdf, d->vendor_id, d->device_id, name, engine);
	printf("  subsystem %04x:%04x, class %04x, NUMA node %d\n", d->subsys_vendor_id,
	       d->subsys_id, d->device_class, d->numa_node);
	for (i = 0; i < 6; i++) {
		pciaddr_t a = d->base_addr[i];

		if (!a && !d->size[i])
			continue;
		if (a & PCI_BASE_ADDRESS_SPACE_IO)
			printf("  BAR%d: I/O at 0x%llx [size %llu]\n", i,
			       (unsigned long long)(a & PCI_BASE_ADDRESS_IO_MASK),
			       (unsigned long long)d->size[i]);
		else
			printf("  BAR%d: memory at 0x%llx (%s, %sprefetchable) [size %llu]\n", i,
			       (unsigned long long)(a & PCI_BASE_ADDRESS_MEM_MASK),
			       (a & PCI_BASE_ADDRESS_MEM_TYPE_64) ? "64-bit" : "32-bit",
			       (a & PCI_BASE_ADDRESS_MEM_PREFETCH) ? "" : "non-",
			       (unsigned long long)d->size[i]);
	}
	if (!caps_known)
		printf("  link: unknown (run as root to read capabilities)\n");
	else if (!l.pcie)
		printf("  link: conventional PCI (no PCIe capability)\n");
	else {
		printf("  link: %s x%u (capable %s x%u)\n", pcie_speed(l.sta_speed),
		       l.sta_width, pcie_speed(l.cap_speed), l.cap_width);
		if (l.sta_speed < l.cap_speed || l.sta_width < l.cap_width)
			printf("  WARNING: link degraded: running at %s x%u, capable of %s x%u; throughput is capped\n",
			       pcie_speed(l.sta_speed), l.sta_width,
			       pcie_speed(l.cap_speed), l.cap_width);
	}
	printf("  driver: %s, IRQ %d (%s)\n", driver[0] ? driver : "none (not bound)",
	       d->irq, driver[0] ? irq : "not enabled");
	if (has_node)
		show_ring_text(node, &ring);
	else if (!strcmp(driver, "fpgadma")) {
		printf("  fpgadma: bound but no /sys/class/fpgadma node\n");
	}
}

/*
 * Class node @node, whose device is not a PCI function: a device-tree node
 * or another platform device. Its name, bus, first compatible string and
 * driver, then its ring.
 */
static void show_other(const char *node, const char *bus)
{
	char path[PATH_MAX], name[256], driver[64], compat[128] = "";
	static struct ring ring;
	FILE *f;

	snprintf(path, sizeof(path), "%s/class/fpgadma/%s/device", sysfs, node);
	link_base(path, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/class/fpgadma/%s/device/driver", sysfs, node);
	link_base(path, driver, sizeof(driver));
	/* "compatible" is a list of NUL-terminated strings: the first one. */
	snprintf(path, sizeof(path), "%s/class/fpgadma/%s/device/of_node/compatible",
		 sysfs, node);
	f = fopen(path, "re");
	if (f) {
		size_t n = fread(compat, 1, sizeof(compat) - 1, f);

		compat[n] = '\0';
		fclose(f);
	}
	if (!json)	/* the terminal gets no control characters */
		for (char *c = compat; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	read_ring(node, &ring);
	if (json) {
		printf("%s\n    {\"bus\": ", first_dev ? "" : ",");
		jstr(bus);
		printf(", \"name\": ");
		jstr(name);
		printf(", \"compatible\": ");
		if (compat[0])
			jstr(compat);
		else
			printf("null");
		printf(", \"driver\": ");
		if (driver[0])
			jstr(driver);
		else
			printf("null");
		printf(", \"fpgadma\": ");
		show_ring_json(node, &ring);
		printf("}");
		return;
	}
	printf("%s %s", bus, name);
	if (compat[0])
		printf(" (compatible \"%s\")", compat);
	printf("\n  driver: %s\n", driver[0] ? driver : "none (not bound)");
	show_ring_text(node, &ring);
}

/* Every class node not on PCI (show() had those), in name order. */
static int show_others(void)
{
	char path[PATH_MAX], bus[64];
	struct dirent **e;
	int i, n, count = 0;

	snprintf(path, sizeof(path), "%s/class/fpgadma", sysfs);
	n = scandir(path, &e, NULL, alphasort);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		const char *node = e[i]->d_name;

		snprintf(path, sizeof(path), "%s/class/fpgadma/%s/device/subsystem",
			 sysfs, node);
		if (node[0] != '.' && !link_base(path, bus, sizeof(bus)) &&
		    strcmp(bus, "pci")) {
			show_other(node, bus);
			first_dev = 0;
			count++;
		}
		free(e[i]);
	}
	free(e);
	return count;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pci_access *pacc;
	struct pci_dev *d;
	int c, count = 0;
	const char *env = getenv("FPGADMA_SYSFS");
	const char *denv = getenv("FPGADMA_DEBUGFS");

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 1;
	}
	if (env && *env)
		sysfs = env;
	if (denv && *denv)
		debugfs = denv;

	pacc = pci_alloc();
	if (!pacc) {
		fprintf(stderr, "fpgadma-info: libpci: out of memory\n");
		return 1;
	}
	pci_init(pacc);
	pci_scan_bus(pacc);
	if (json)
		printf("{\"devices\": [");
	for (d = pacc->devices; d; d = d->next) {
		const char *engine = NULL;
		size_t i;

		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_BASES | PCI_FILL_SIZES |
			      PCI_FILL_CLASS | PCI_FILL_IRQ | PCI_FILL_NUMA_NODE |
			      PCI_FILL_SUBSYS);
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			if (ids[i].vendor == d->vendor_id && ids[i].device == d->device_id)
				engine = ids[i].engine;
		if (!engine) {
			/* Bound to fpgadma by new_id or a newer driver? */
			char bdf[32], driver[64];

			bdf_driver(d, bdf, sizeof(bdf), driver, sizeof(driver));
			if (strcmp(driver, "fpgadma"))
				continue;
			engine = "?";
		}
		show(pacc, d, engine);
		first_dev = 0;
		count++;
	}
	count += show_others();
	if (json)
		printf("%s], \"count\": %d}\n", count ? "\n  " : "", count);
	else if (!count)
		printf("no device that fpgadma drives or can drive was found\n");
	pci_cleanup(pacc);
	return 0;
}

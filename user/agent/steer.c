// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the XDP steering program (bpf/steer.bpf.c) through its libbpf
 * skeleton, and attaching it to the underlay interfaces.
 *
 * Attachments are BPF links (BPF_LINK_CREATE), not the older netlink
 * IFLA_XDP: a link belongs to the file descriptor that holds it, so the
 * program leaves every interface when the agent exits, however it exits
 * (a crash or SIGKILL included), and it never replaces a program someone
 * else attached (the kernel answers EBUSY).
 *
 * The maps (never the links) are pinned in bpffs, one directory per network
 * namespace, /sys/fs/bpf/vnicgw/netns-<inode>/ (user/lib/steering.h), where
 * vnicctl steering and bpftool find them by path rather than by a name that
 * another program's map may share. One agent per namespace (instance.c)
 * makes the directory this agent's alone: a start replaces whatever is
 * there (pins left by an agent that was killed), a clean exit removes it.
 *
 * Order at start: load, fill the cpumap, write the configuration, pin, and
 * only then attach, so the first packet already sees every worker CPU.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include "agent.h"
#include "steer.h"
#include "steer.skel.h"
#include "steering.h"

_Static_assert(AGENT_MAX_CPUS == VGW_STEER_MAX_CPUS,
	       "the agent's CPU limit is the program's");

struct xdp_attachment {
	char ifname[IF_NAMESIZE];
	int link_fd;		/* -1: not attached */
	bool generic;
};

struct steering {
	const struct agent_config *cfg;
	struct steer *skel;
	struct xdp_attachment att[AGENT_MAX_XDP_IFS];
	unsigned int n_att;
	uint32_t cpus[AGENT_MAX_CPUS];
	unsigned int n_cpus;
	char pin_dir[VGW_STEER_PIN_DIR_LEN];	/* "": nothing pinned */
};

/* libbpf's own messages, into the agent's log (they end with \n). */
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	enum log_level l = level == LIBBPF_WARN ? LOG_WARN : LOG_DEBUG;
	char buf[1024];
	int n;

	if (!log_enabled(l))
		return 0;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	log_lines(l, "libbpf: ", buf);
	return n;
}

int steer_online_cpus(uint32_t *cpus, unsigned int *n, char *err,
		      size_t errlen)
{
	char line[4096], msg[256];
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	int ret;

	if (!f) {
		snprintf(err, errlen, "/sys/devices/system/cpu/online: %s",
			 strerror(errno));
		return -errno;
	}
	ret = fgets(line, sizeof(line), f) ? 0 : -EIO;
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (!ret)
		ret = config_parse_cpus(line, cpus, n, msg, sizeof(msg));
	if (ret)
		snprintf(err, errlen, "online CPUs \"%s\" (%s): give --cpus",
			 line, ret == -EIO ? "unreadable" : msg);
	return ret;
}

/* The worker CPUs: the configured ones, which must be online, or all. */
static int pick_cpus(struct steering *st)
{
	uint32_t online[AGENT_MAX_CPUS];
	unsigned int n_online, i, j;
	char err[512];

	if (steer_online_cpus(online, &n_online, err, sizeof(err))) {
		log_err("%s", err);
		return -EINVAL;
	}
	if (!st->cfg->n_cpus) {
		memcpy(st->cpus, online, sizeof(online));
		st->n_cpus = n_online;
		return 0;
	}
	for (i = 0, j = 0; i < st->cfg->n_cpus; i++) {
		while (j < n_online && online[j] < st->cfg->cpus[i])
			j++;
		if (j == n_online || online[j] != st->cfg->cpus[i]) {
			log_err("cpus: CPU %u is not online", st->cfg->cpus[i]);
			return -EINVAL;
		}
	}
	memcpy(st->cpus, st->cfg->cpus, sizeof(st->cpus));
	st->n_cpus = st->cfg->n_cpus;
	return 0;
}

/* A cpumap entry (a kernel thread with a queue) per worker CPU. */
static int fill_cpumap(struct steering *st)
{
	struct bpf_cpumap_val val = { .qsize = st->cfg->qsize };
	unsigned int i;
	int err;

	for (i = 0; i < st->n_cpus; i++) {
		err = bpf_map__update_elem(st->skel->maps.cpu_map, &st->cpus[i],
					   sizeof(st->cpus[i]), &val,
					   sizeof(val), BPF_ANY);
		if (err) {
			log_err("cpu_map: CPU %u: %s", st->cpus[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * The configuration record. Written once, before any attachment, so no
 * reader sees it half-written (see steer.h for later updates).
 */
static int write_config(struct steering *st)
{
	struct vgw_steer_config conf = { .n_cpus = st->n_cpus };
	uint32_t key = 0;
	int err;

	memcpy(conf.cpus, st->cpus, st->n_cpus * sizeof(st->cpus[0]));
	err = bpf_map__update_elem(st->skel->maps.steer_config, &key,
				   sizeof(key), &conf, sizeof(conf), BPF_ANY);
	if (err)
		log_err("steer_config: %s", strerror(-err));
	return err;
}

static int link_xdp(struct steering *st, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);

	return bpf_link_create(bpf_program__fd(st->skel->progs.vgw_steer),
			       ifindex, BPF_XDP, &opts);
}

/* Another program holds the interface: generic would not help. */
static bool taken(int err)
{
	return err == -EBUSY || err == -EEXIST || err == -EPERM;
}

/* The outcome of one attach attempt: logged; 0 or -errno. */
static int attached(struct steering *st, struct xdp_attachment *a, int fd,
		    bool generic)
{
	if (fd < 0) {
		log_err("xdp-if %s: cannot attach in %s mode: %s%s", a->ifname,
			config_xdp_mode_name(st->cfg->xdp_mode), strerror(-fd),
			taken(fd) ? " (another XDP program is attached)" : "");
		return fd;
	}
	a->link_fd = fd;
	a->generic = generic;
	log_info("+ xdp %s (%s), steering to %u CPUs", a->ifname,
		 generic ? "generic" : "native", st->n_cpus);
	return 0;
}

/* Attach to one interface in the configured mode. 0 or -errno, logged. */
static int attach_one(struct steering *st, struct xdp_attachment *a)
{
	enum xdp_mode mode = st->cfg->xdp_mode;
	int ifindex = (int)if_nametoindex(a->ifname);
	int fd;

	a->link_fd = -1;
	if (!ifindex) {
		log_err("xdp-if %s: %s", a->ifname, strerror(errno));
		return -ENODEV;
	}
	if (mode != XDP_MODE_GENERIC) {
		fd = link_xdp(st, ifindex, XDP_FLAGS_DRV_MODE);
		if (fd >= 0 || mode == XDP_MODE_NATIVE || taken(fd))
			return attached(st, a, fd, false);
		log_warn("xdp-if %s: native XDP refused (%s); using generic XDP, which runs later and slower",
			 a->ifname, strerror(-fd));
	}
	return attached(st, a, link_xdp(st, ifindex, XDP_FLAGS_SKB_MODE), true);
}

static void detach_one(struct xdp_attachment *a)
{
	if (a->link_fd < 0)
		return;
	close(a->link_fd);
	a->link_fd = -1;
	log_info("- xdp %s", a->ifname);
}

static int load(struct steering *st)
{
	int err, ncpu;

	st->skel = steer__open();
	if (!st->skel) {
		log_err("steering program: cannot open: %s", strerror(errno));
		return -errno;
	}
	/*
	 * The cpumap holds VGW_STEER_MAX_CPUS entries, but no more than the
	 * kernel's possible CPUs: a CPUMAP larger than NR_CPUS is refused
	 * with E2BIG (cpu_map_alloc()), and kernels built with NR_CPUS = 64
	 * (x86_64_defconfig) exist. The keys are CPU ids, all below it.
	 */
	ncpu = libbpf_num_possible_cpus();
	if (ncpu > 0 && ncpu < VGW_STEER_MAX_CPUS) {
		err = bpf_map__set_max_entries(st->skel->maps.cpu_map, (__u32)ncpu);
		if (err) {
			log_err("steering program: cannot size cpu_map to %d CPUs: %s",
				ncpu, strerror(-err));
			return err;
		}
	}
	err = steer__load(st->skel);
	if (err)
		log_err("steering program: cannot load: %s", strerror(-err));
	return err;
}

/*
 * Where to pin: a BPF filesystem on /sys/fs/bpf, here or in PID 1's mount
 * namespace (vgw_steer_pin_root()). systemd mounts one at boot; a host
 * without systemd may have none, so the agent mounts it. The root, or NULL
 * logged with what to do.
 */
static const char *pin_root(void)
{
	const char *root = vgw_steer_pin_root();

	if (root)
		return root;
	if (!mount("bpf", VGW_BPFFS, "bpf", 0, "mode=0700")) {
		log_info("mounted a BPF filesystem on %s", VGW_BPFFS);
		return VGW_STEER_PIN_ROOT;
	}
	log_err("%s is not a BPF filesystem and mounting one failed (%s): the steering maps are pinned there; mount it first (mount -t bpf bpf %s)",
		VGW_BPFFS, strerror(errno), VGW_BPFFS);
	return NULL;
}

/*
 * Pin @map as DIR/NAME, replacing a pin of that name: pinned as
 * DIR/new-NAME, then renamed over the old one, so that a reader finds
 * the old map or the new one, never none.
 */
static int pin_map(struct steering *st, const struct bpf_map *map)
{
	char path[VGW_STEER_PIN_DIR_LEN + 32], tmp[sizeof(path) + 8];
	int err;

	/* bpffs refuses names with a dot (EPERM): "reserved" */
	snprintf(path, sizeof(path), "%s/%s", st->pin_dir, bpf_map__name(map));
	snprintf(tmp, sizeof(tmp), "%s/new-%s", st->pin_dir, bpf_map__name(map));
	unlink(tmp);	/* a leftover of an agent killed right here */
	err = bpf_obj_pin(bpf_map__fd(map), tmp);
	if (err) {
		err = -errno;
		log_err("pin %s: %s", tmp, strerror(errno));
		return err;
	}
	if (rename(tmp, path)) {
		err = -errno;
		log_err("pin %s: %s", path, strerror(errno));
		unlink(tmp);
		return err;
	}
	return 0;
}

/* Unpin the maps of @st's program from @dir, and remove @dir. */
static void remove_pins(struct steering *st, const char *dir)
{
	char path[PATH_MAX];
	const struct bpf_map *map;

	bpf_object__for_each_map(map, st->skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		if (unlink(path) && errno != ENOENT)
			log_warn("unpin %s: %s", path, strerror(errno));
		snprintf(path, sizeof(path), "%s/new-%s", dir, bpf_map__name(map));
		unlink(path);
	}
	if (rmdir(dir))
		log_warn("steering pins: rmdir %s: %s", dir, strerror(errno));
}

/*
 * The directories of agents that were killed (SIGKILL, a crash) in other
 * namespaces, deleted since: nobody would start an agent there again to
 * replace them, and a pinned cpumap keeps a kernel thread per worker CPU.
 * A directory is stale when no loaded program uses its steer_counters:
 * an agent pins only maps its loaded program holds, and unpins before it
 * unloads. (An empty directory may be one that another agent has just
 * made: left alone.)
 */
static void sweep_stale(struct steering *st, const char *root,
			const char *mine)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct bpf_map_info info;
	uint32_t len;
	struct dirent *de;
	DIR *d = opendir(root);
	int fd;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, VGW_STEER_PIN_PREFIX,
			    strlen(VGW_STEER_PIN_PREFIX)))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, de->d_name);
		if (!strcmp(dir, mine))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, VGW_STEER_COUNTERS_PIN);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !vgw_steer_map_in_use(info.id)) {
			log_info("steering pins: %s: left by an agent that was killed; removed",
				 dir);
			remove_pins(st, dir);
		}
		close(fd);
	}
	closedir(d);
}

/* The maps, under this namespace's directory. 0 or -errno, logged. */
static int pin_maps(struct steering *st)
{
	const struct bpf_map *map;
	const char *root = pin_root();
	char dir[VGW_STEER_PIN_DIR_LEN];
	int err;

	if (!root)
		return -ENOENT;
	err = vgw_steer_pin_dir(root, dir, sizeof(dir));
	if (err) {
		log_err("steering pins: this network namespace: %s", strerror(-err));
		return err;
	}
	if ((mkdir(root, 0755) && errno != EEXIST) ||
	    (mkdir(dir, 0700) && errno != EEXIST)) {
		err = -errno;
		log_err("steering pins: mkdir %s: %s", dir, strerror(errno));
		return err;
	}
	strcpy(st->pin_dir, dir);
	sweep_stale(st, root, dir);
	bpf_object__for_each_map(map, st->skel->obj) {
		/* .rodata/.bss of the program: nothing an operator reads */
		if (bpf_map__is_internal(map))
			continue;
		err = pin_map(st, map);
		if (err)
			return err;
	}
	log_info("steering maps pinned in %s", dir);
	return 0;
}

/*
 * On a clean exit: the program is gone from every interface, its counters
 * mean nothing any more. The directory goes (a file that is not a pin of
 * ours makes rmdir fail: it stays, and says so); the root stays, another
 * namespace's agent may be creating its directory in it.
 */
static void unpin_maps(struct steering *st)
{
	if (!st->pin_dir[0])
		return;
	remove_pins(st, st->pin_dir);
	st->pin_dir[0] = '\0';
}

int steer_start(const struct agent_config *cfg, struct steering **out)
{
	struct steering *st = calloc(1, sizeof(*st));
	unsigned int i;
	int err;

	if (!st)
		return -ENOMEM;
	st->cfg = cfg;
	libbpf_set_print(libbpf_log);
	err = pick_cpus(st);
	if (!err)
		err = load(st);
	if (!err)
		err = fill_cpumap(st);
	if (!err)
		err = write_config(st);
	if (!err)
		err = pin_maps(st);
	for (i = 0; !err && i < cfg->n_xdp_ifs; i++) {
		strcpy(st->att[i].ifname, cfg->xdp_ifs[i]);
		st->n_att++;
		err = attach_one(st, &st->att[i]);
	}
	if (err) {
		steer_stop(st);
		return err;
	}
	*out = st;
	return 0;
}

/* Whether the kernel still has the attachment (its device may be gone). */
static bool still_attached(const struct xdp_attachment *a)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(a->link_fd, &info, &len))
		return false;
	return info.xdp.ifindex != 0;
}

void steer_check(struct steering *st)
{
	struct xdp_attachment *a;
	unsigned int i;

	for (i = 0; st && i < st->n_att; i++) {
		a = &st->att[i];
		if (a->link_fd >= 0 && still_attached(a))
			continue;
		if (a->link_fd >= 0) {
			log_warn("xdp-if %s: the interface went away", a->ifname);
			close(a->link_fd);
			a->link_fd = -1;
		}
		if (if_nametoindex(a->ifname))
			attach_one(st, a);
	}
}

bool steer_unhealthy(const struct steering *st, char *why, size_t len)
{
	unsigned int i;

	for (i = 0; st && i < st->n_att; i++)
		if (st->att[i].link_fd < 0) {
			snprintf(why, len, "XDP steering is not attached to %s",
				 st->att[i].ifname);
			return true;
		}
	return false;
}

/* One counter over every possible CPU: total, and the CPUs' shares. */
static void print_counter(unsigned int id, const __u64 *v, int n_cpus)
{
	char per_cpu[512];
	size_t off = 0;
	__u64 total = 0;
	int c;

	per_cpu[0] = '\0';
	for (c = 0; c < n_cpus; c++) {
		total += v[c];
		if (v[c] && off < sizeof(per_cpu))
			off += (size_t)snprintf(per_cpu + off, sizeof(per_cpu) - off,
						"%scpu%d %llu", off ? ", " : "",
						c, (unsigned long long)v[c]);
	}
	log_info("stats: %s %llu%s%s%s", vgw_steer_counter_name(id),
		 (unsigned long long)total, off ? " (" : "", per_cpu,
		 off ? ")" : "");
}

void steer_print_stats(struct steering *st)
{
	int n_cpus = libbpf_num_possible_cpus();
	unsigned int id;
	__u64 *v;

	if (!st) {
		log_info("stats: no XDP steering (no --xdp-if)");
		return;
	}
	v = n_cpus > 0 ? calloc((size_t)n_cpus, sizeof(*v)) : NULL;
	if (!v)
		return;
	for (id = 0; id < VGW_STEER_NR_COUNTERS; id++) {
		if (bpf_map__lookup_elem(st->skel->maps.steer_counters, &id,
					 sizeof(id), v, (size_t)n_cpus * sizeof(*v), 0))
			memset(v, 0, (size_t)n_cpus * sizeof(*v));
		print_counter(id, v, n_cpus);
	}
	free(v);
}

void steer_stop(struct steering *st)
{
	unsigned int i;

	if (!st)
		return;
	for (i = 0; i < st->n_att; i++)
		detach_one(&st->att[i]);
	if (st->skel)
		unpin_maps(st);
	steer__destroy(st->skel);
	free(st);
}

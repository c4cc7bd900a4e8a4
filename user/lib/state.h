/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The desired-state document in memory:
 * parsing, validation, canonical JSON output, comparison and difference.
 *
 * Life of a document: vgw_doc_parse() turns JSON text into a struct vgw_doc,
 * validates all of it (the rules are listed at the top of state.c) and
 * normalises it; vgw_doc_write_json() writes it back canonically;
 * vgw_doc_diff() tells the apply code which objects to create, replace or
 * delete. No function here talks to the kernel.
 *
 * Normal form (what vgw_doc_parse() and vgw_doc_validate() return, and what
 * vgw_doc_equal()/vgw_doc_diff()/vgw_doc_find() expect):
 * - every object array is sorted by id (strcmp order);
 * - sets are sorted (and refuse duplicates): a VCN's cidrs, a subnet's
 *   security_lists, a VNIC's nsgs and vips (by address), a service gateway's
 *   services (by name) and each service's prefixes, a route table's rules
 *   (keyed by destination: CIDRs first, IPv4 before IPv6, then address,
 *   then length; then service labels by name);
 * - ordered lists keep the document's order: a VNIC's private_ips (the
 *   first is the primary address) and security rules (order never changes
 *   what a list allows, but rules keep their place so that show output and
 *   per-rule counters match the file; reordering rules counts as a change;
 *   identical rules are allowed);
 * - every default is filled in (see below), so equal documents are equal
 *   field by field.
 *
 * Defaults and decisions (beyond what the format itself says):
 * - Every top-level array is optional (absent: empty).
 * - subnet.route_table is optional: without one, only VCN-local traffic is
 *   forwarded. subnet.security_lists is optional (absent: none).
 * - vnic.mac is optional: absent, it is derived from the primary private IP:
 *   02:00:a:b:c:d for IPv4 a.b.c.d; for IPv6, 06: followed by the low 40
 *   bits of the 64-bit FNV-1a hash of the 16 address bytes (interface ids
 *   repeat across subnets, so the low address bits would collide). MACs must
 *   be unique within a VCN (the instance's L2 domain), unicast and not zero;
 *   a collision of a derived MAC is refused like any other: give one.
 * - vnic.conntrack_limit defaults to VGW_CONNTRACK_DEFAULT (65536), and must
 *   be 1..VGW_CONNTRACK_MAX (2^20).
 * - vnic.vips is required with at least one VIP (every hosted VNIC is
 *   reached by one or more); vips[].rule defaults to "route".
 * - vnic.micro_vnic is required; its encap, like a gateway's, defaults to
 *   vxlan. gateway.enabled defaults to true; stateless to false;
 *   skip_source_dest_check to false.
 * - A VNI is 1..16777215: 0 is refused (reserved, as "no VNI" in the tables).
 * - protocol is required in every security rule ("all" must be said).
 * - Prefixes with host bits set are refused everywhere (as OCI does), so a
 *   prefix has one spelling. IPv4-mapped IPv6 addresses are refused.
 * - The canonical output writes every field that has a value, defaults
 *   included (enabled, encap, stateless, mac, conntrack_limit, rule, ...);
 *   fields whose absence means "any" or "none" (ports, icmp_type/code,
 *   public_ip, route_table) are omitted when they have that meaning: a port
 *   range 0-65535 is written as no range. Protocols are written as names
 *   where one exists, else as a JSON number.
 *
 * Agent-side fields: subnet.flow_logs (default false) and vnic.flow_logs
 * (absent: the subnet's; written only when the document says it) tell the
 * agent which VNICs' connections go to its flow logs. The kernel has no such
 * field: its tables never hold it, and a document read back from the kernel
 * (vgw_dump_doc()) has them at their zero values. So that the comparison
 * with the kernel ignores them, vgw_doc_take_agent_fields() copies them
 * from the desired document into the dumped one first (vgw_apply_doc() does
 * this); vgw_doc_equal() and vgw_doc_diff() themselves compare them, so a
 * new document that changes only them is still a new document.
 */
#ifndef VGW_STATE_H
#define VGW_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* An id with its NUL: [A-Za-z0-9._-]{1,63}. */
#define VGW_ID_MAX		64
/* Text forms, with the NUL. */
#define VGW_ADDR_STRLEN		46	/* INET6_ADDRSTRLEN */
#define VGW_PREFIX_STRLEN	(VGW_ADDR_STRLEN + 4)
#define VGW_MAC_STRLEN		18

#define VGW_VNI_MAX		0xffffffu	/* 24 bits; 0 is refused */
#define VGW_CONNTRACK_DEFAULT	65536u
#define VGW_CONNTRACK_MAX	(1u << 20)

/* Bounds of the lists inside one object (OCI's where OCI has one). */
#define VGW_MAX_VCN_CIDRS	16
#define VGW_MAX_SUBNET_SLS	5	/* security lists per subnet (OCI) */
#define VGW_MAX_VNIC_NSGS	5	/* NSGs per VNIC (OCI) */
#define VGW_MAX_PRIVATE_IPS	64
#define VGW_MAX_VIPS		16
#define VGW_MAX_ROUTE_RULES	262144	/* VNICGW_RT_RULES_MAX: the kernel's */
#define VGW_MAX_SEC_RULES	1024	/* per direction, per list */
#define VGW_MAX_SERVICES	64
#define VGW_MAX_SERVICE_PREFIXES 256

/* family is AF_INET or AF_INET6 (0: no address); IPv4 in bytes[0..3]. */
struct vgw_addr {
	uint16_t family;
	uint8_t bytes[16];	/* network order; unused bytes are zero */
};

struct vgw_prefix {
	struct vgw_addr addr;	/* host bits are zero */
	uint8_t len;
};

enum vgw_encap {
	VGW_ENCAP_VXLAN,
	VGW_ENCAP_GENEVE,
};

/*
 * Every object starts with its id, so that code over all types can read
 * (const char *)obj. pos is the object's index in the source document, for
 * messages only: vgw_doc_equal() ignores it.
 */
struct vgw_vcn {
	char id[VGW_ID_MAX];
	unsigned int pos;
	struct vgw_prefix *cidrs;	/* a set, sorted */
	unsigned int n_cidrs;
};

struct vgw_subnet {
	char id[VGW_ID_MAX];
	unsigned int pos;
	char vcn[VGW_ID_MAX];
	struct vgw_prefix cidr;
	char route_table[VGW_ID_MAX];		/* "": none */
	char (*security_lists)[VGW_ID_MAX];	/* a set, sorted */
	unsigned int n_security_lists;
	bool flow_logs;		/* agent-side only: see "Agent-side fields" */
};

enum vgw_route_dst_type {
	VGW_DST_CIDR,
	VGW_DST_SERVICE,	/* "service:<name>" */
};

enum vgw_route_target_type {
	VGW_TARGET_GATEWAY,
	VGW_TARGET_PRIVATE_IP,	/* "private-ip:<addr>" */
};

struct vgw_route_rule {
	unsigned int pos;		/* index in the document's rules */
	enum vgw_route_dst_type dst_type;
	struct vgw_prefix dst;			/* VGW_DST_CIDR */
	char service[VGW_ID_MAX];		/* VGW_DST_SERVICE */
	enum vgw_route_target_type target_type;
	char gateway[VGW_ID_MAX];		/* VGW_TARGET_GATEWAY */
	struct vgw_addr private_ip;		/* VGW_TARGET_PRIVATE_IP */
};

/* Route rules are a set keyed by destination (sorted, no duplicates). */
struct vgw_route_table {
	char id[VGW_ID_MAX];
	unsigned int pos;
	char vcn[VGW_ID_MAX];
	struct vgw_route_rule *rules;
	unsigned int n_rules;
};

#define VGW_PROTO_ALL		(-1)
#define VGW_ICMP_ANY		(-1)

enum vgw_peer_type {
	VGW_PEER_CIDR,
	VGW_PEER_NSG,		/* "nsg:<id>" */
};

struct vgw_port_range {
	uint16_t lo, hi;	/* 0-65535: any port (also when absent) */
};

/*
 * One security rule. peer is the source of an ingress rule or the
 * destination of an egress rule.
 */
struct vgw_sec_rule {
	enum vgw_peer_type peer_type;
	struct vgw_prefix peer_cidr;		/* VGW_PEER_CIDR */
	char peer_nsg[VGW_ID_MAX];		/* VGW_PEER_NSG */
	int protocol;			/* VGW_PROTO_ALL or 0..255 */
	struct vgw_port_range src_ports;	/* TCP and UDP only */
	struct vgw_port_range dst_ports;
	int icmp_type;			/* VGW_ICMP_ANY or 0..255 */
	int icmp_code;			/* VGW_ICMP_ANY or 0..255 */
	bool stateless;
};

/* A security list or a network security group: the same shape. */
struct vgw_seclist {
	char id[VGW_ID_MAX];
	unsigned int pos;
	char vcn[VGW_ID_MAX];
	struct vgw_sec_rule *ingress;		/* ordered lists */
	unsigned int n_ingress;
	struct vgw_sec_rule *egress;
	unsigned int n_egress;
};

enum vgw_gw_type {
	VGW_GW_INTERNET,
	VGW_GW_NAT,
	VGW_GW_SERVICE,
	VGW_GW_DRG,
	VGW_GW_LPG,
};

struct vgw_service {
	char name[VGW_ID_MAX];
	struct vgw_prefix *prefixes;	/* a set, sorted */
	unsigned int n_prefixes;
};

struct vgw_gateway {
	char id[VGW_ID_MAX];
	unsigned int pos;
	char vcn[VGW_ID_MAX];
	enum vgw_gw_type type;
	struct vgw_addr public_ip;	/* NAT only (else family 0) */
	struct vgw_service *services;	/* service only; sorted by name */
	unsigned int n_services;
	struct vgw_addr underlay_ip;
	uint32_t vni;
	enum vgw_encap encap;
	bool enabled;
};

struct vgw_micro_vnic {
	uint32_t vni;
	struct vgw_addr nvd_ip;
	enum vgw_encap encap;
};

enum vgw_vip_rule {
	VGW_VIP_ROUTE,		/* "route": the subnet's route table */
	VGW_VIP_TARGET,		/* "target:<gateway id>" */
};

/*
 * A VNIC's flow_logs: absent (the subnet's value), or said. The zero value
 * is "absent", so a VNIC built by hand (or from a kernel dump) inherits.
 */
enum vgw_flow_logs {
	VGW_FLOW_LOGS_SUBNET,	/* absent: as its subnet */
	VGW_FLOW_LOGS_OFF,	/* false */
	VGW_FLOW_LOGS_ON,	/* true */
};

struct vgw_vip {
	struct vgw_addr ip;
	enum vgw_vip_rule rule;
	char target[VGW_ID_MAX];	/* VGW_VIP_TARGET: a gateway id */
};

struct vgw_vnic {
	char id[VGW_ID_MAX];
	unsigned int pos;
	char subnet[VGW_ID_MAX];
	struct vgw_addr *private_ips;	/* ordered; [0] is the primary */
	unsigned int n_private_ips;
	uint8_t mac[6];			/* given or derived; not zero */
	struct vgw_addr public_ip;	/* family 0: none */
	char (*nsgs)[VGW_ID_MAX];	/* a set, sorted */
	unsigned int n_nsgs;
	bool skip_source_dest_check;
	struct vgw_micro_vnic micro_vnic;
	struct vgw_vip *vips;		/* a set, sorted by address */
	unsigned int n_vips;
	uint32_t conntrack_limit;
	enum vgw_flow_logs flow_logs;	/* agent-side only */
};

struct vgw_doc {
	struct vgw_vcn *vcns;
	unsigned int n_vcns;
	struct vgw_subnet *subnets;
	unsigned int n_subnets;
	struct vgw_route_table *route_tables;
	unsigned int n_route_tables;
	struct vgw_seclist *security_lists;
	unsigned int n_security_lists;
	struct vgw_seclist *nsgs;
	unsigned int n_nsgs;
	struct vgw_gateway *gateways;
	unsigned int n_gateways;
	struct vgw_vnic *vnics;
	unsigned int n_vnics;
};

/*
 * Object types, in dependency order: an object refers only to objects of
 * earlier types (private-ip route targets and nsg: rule peers are looked up
 * by value when a packet is forwarded, and do not count).
 */
enum vgw_obj_type {
	VGW_OBJ_VCN,
	VGW_OBJ_GATEWAY,
	VGW_OBJ_ROUTE_TABLE,
	VGW_OBJ_SECURITY_LIST,
	VGW_OBJ_NSG,
	VGW_OBJ_SUBNET,
	VGW_OBJ_VNIC,
	VGW_OBJ_NTYPES,
};

/* "vcn", "gateway", ... (singular, as vnicctl names them). */
const char *vgw_obj_type_name(enum vgw_obj_type t);
/* "vcns", "gateways", ...: the document's key for the type. */
const char *vgw_obj_type_key(enum vgw_obj_type t);

/*
 * Parse and validate a whole document. Returns 0 and a new document in *out,
 * or a negative errno (-EINVAL for a refused document, -ENOMEM) with one
 * message in err naming the object and the field, e.g.
 * "vnics[3].private_ips[0]: 10.1.9.5 is outside subnet sub-a 10.1.1.0/24",
 * or "line 4, column 7: ..." for invalid JSON.
 */
int vgw_doc_parse(const char *text, size_t len, struct vgw_doc **out,
		  char *err, size_t errlen);
/* The same from a file; I/O errors are "PATH: reason". */
int vgw_doc_parse_file(const char *path, struct vgw_doc **out,
		       char *err, size_t errlen);
/* An empty document (to build one by hand, e.g. from kernel dumps). */
struct vgw_doc *vgw_doc_new(void);
void vgw_doc_free(struct vgw_doc *d);

/*
 * Normalise (see above) and check every rule of state.c. Messages use each
 * object's pos. vgw_doc_parse() calls it; call it on documents built by hand.
 * Returns 0 or -EINVAL (-ENOMEM).
 */
int vgw_doc_validate(struct vgw_doc *d, char *err, size_t errlen);
/* Only sort into normal form; no checks. */
void vgw_doc_normalize(struct vgw_doc *d);

/* Canonical JSON (two-space indented, a final newline). 0 or -errno. */
int vgw_doc_write_json(const struct vgw_doc *d, FILE *f);
/* One object, as it appears in the document's array. 0 or -errno. */
int vgw_obj_write_json(enum vgw_obj_type t, const void *obj, FILE *f);

/* Both documents in normal form. */
bool vgw_doc_equal(const struct vgw_doc *a, const struct vgw_doc *b);
bool vgw_obj_equal(enum vgw_obj_type t, const void *a, const void *b);

/* The object of type t with that id in a normal-form document, or NULL. */
const void *vgw_doc_find(const struct vgw_doc *d, enum vgw_obj_type t,
			 const char *id);
/* Number of objects of type t, and the i-th (in id order). */
unsigned int vgw_doc_count(const struct vgw_doc *d, enum vgw_obj_type t);
const void *vgw_doc_obj(const struct vgw_doc *d, enum vgw_obj_type t,
			unsigned int i);

enum vgw_change {
	VGW_ADDED,	/* old_obj NULL */
	VGW_REMOVED,	/* new_obj NULL */
	VGW_CHANGED,	/* both: same id, some field differs */
};

/*
 * Called once per object that differs. Return 0 to go on; anything else
 * stops the walk and is returned by vgw_doc_diff().
 */
typedef int (*vgw_diff_cb)(enum vgw_obj_type t, enum vgw_change change,
			   const void *old_obj, const void *new_obj, void *arg);

/*
 * Report every object that differs between two normal-form documents (old
 * may be NULL: empty). Order, so that each report can be applied as it
 * comes: first additions and changes, type by type in dependency order (VCNs
 * first), each type by id; then removals in the reverse order (VNICs
 * first). Equal documents report nothing.
 */
int vgw_doc_diff(const struct vgw_doc *old, const struct vgw_doc *new,
		 vgw_diff_cb cb, void *arg);
/*
 * The difference as text for "apply --dry-run": one line per object,
 * "+ vnic vnic-a3", "- nsg nsg-web", "~ route_table rt-a". Returns the
 * number of lines.
 */
int vgw_doc_diff_print(const struct vgw_doc *old, const struct vgw_doc *new,
		       FILE *f);

/*
 * Copy the agent-side fields (flow_logs) of every subnet and VNIC of @from
 * into the object of the same type and id in @to (both normal form); the
 * objects @from lacks get their zero values. After it, @to differs from
 * @from only where the kernel's tables do.
 */
void vgw_doc_take_agent_fields(struct vgw_doc *to, const struct vgw_doc *from);
/*
 * Whether the VNIC's connections go to the flow logs: its own value, else
 * its subnet's (a subnet not in @d: off).
 */
bool vgw_vnic_flow_logs(const struct vgw_doc *d, const struct vgw_vnic *v);

/* Addresses and prefixes: strict text forms. 0 or -EINVAL. */
int vgw_addr_parse(const char *s, struct vgw_addr *a);
/* Also refuses host bits set (-EINVAL) and a missing "/len". */
int vgw_prefix_parse(const char *s, struct vgw_prefix *p);
const char *vgw_addr_str(const struct vgw_addr *a, char *buf, size_t len);
const char *vgw_prefix_str(const struct vgw_prefix *p, char *buf, size_t len);
int vgw_addr_cmp(const struct vgw_addr *a, const struct vgw_addr *b);
int vgw_prefix_cmp(const struct vgw_prefix *a, const struct vgw_prefix *b);
bool vgw_prefix_contains(const struct vgw_prefix *p, const struct vgw_addr *a);
/* Whether two prefixes of the same family share an address. */
bool vgw_prefix_overlap(const struct vgw_prefix *a,
			const struct vgw_prefix *b);
/* The MAC derived from an address (see above). */
void vgw_mac_from_addr(const struct vgw_addr *a, uint8_t mac[6]);
const char *vgw_mac_str(const uint8_t mac[6], char *buf, size_t len);
const char *vgw_encap_name(enum vgw_encap e);
const char *vgw_gw_type_name(enum vgw_gw_type t);

#endif /* VGW_STATE_H */

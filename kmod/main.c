// SPDX-License-Identifier: GPL-2.0
/*
 * vnicgw: a VNIC gateway data plane for cloud virtual networks.
 *
 * Module init and exit. Order matters: the per-namespace state must exist
 * before a link can be created in it, and the generic netlink family, which
 * reaches both, comes last and goes first.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>

#include "conntrack.h"
#include "nat.h"
#include "nlattr.h"
#include "snap.h"
#include "vnicgw.h"

/*
 * Who may use vnicgw. The family and the link type are reachable from any
 * network namespace, and the module loads on demand, so without this every
 * user could reach the packet path through an unprivileged user namespace
 * (Debian allows them). Writable by root at run time, so the host can open
 * or close it without a reload that would take every namespace's tables.
 */
bool vgw_allow_userns;
module_param_named(allow_userns, vgw_allow_userns, bool, 0644);
MODULE_PARM_DESC(allow_userns,
		 "let CAP_NET_ADMIN of a network namespace's owning user namespace suffice (default: CAP_NET_ADMIN in the initial user namespace)");

/* Room for 100k VNICs and their subnets, lists and tables, with margin. */
unsigned int vgw_max_objects = 1U << 20;
module_param_named(max_objects, vgw_max_objects, uint, 0644);
MODULE_PARM_DESC(max_objects, "the most objects in one namespace's tables");

/* A table of VNICGW_RT_RULES_MAX CIDR rules, four times over. */
unsigned int vgw_max_table_routes = 4 * VNICGW_RT_RULES_MAX;
module_param_named(max_table_routes, vgw_max_table_routes, uint, 0644);
MODULE_PARM_DESC(max_table_routes,
		 "the most routes of one route table, service destinations expanded (at most 4194304)");

static int __init vgw_init(void)
{
	int err;

	err = vgw_snap_init();
	if (err)
		return err;
	err = vgw_ct_init();
	if (err)
		goto err_snap;
	err = vgw_nat_init();
	if (err)
		goto err_ct_cache;
	err = vgw_netns_init();
	if (err)
		goto err_nat;
	err = vgw_device_init();
	if (err)
		goto err_netns;
	err = vgw_genl_init();
	if (err)
		goto err_device;
	pr_info("vnicgw " VGW_VERSION " loaded\n");
	return 0;

err_device:
	vgw_device_exit();
err_netns:
	vgw_netns_exit();
err_nat:
	vgw_nat_exit();
err_ct_cache:
	vgw_ct_exit();
err_snap:
	vgw_snap_exit();
	return err;
}

static void __exit vgw_exit(void)
{
	vgw_genl_exit();
	vgw_device_exit();
	vgw_refuse_exit();
	vgw_netns_exit();
	vgw_nat_exit();
	vgw_ct_exit();
	vgw_snap_exit();
	pr_info("vnicgw unloaded\n");
}

module_init(vgw_init);
module_exit(vgw_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vnicgw: VNIC gateway for cloud virtual networks");
MODULE_AUTHOR("The vnicgw developers");
MODULE_VERSION(VGW_VERSION);
MODULE_ALIAS_RTNL_LINK(VNICGW_LINK_KIND);
MODULE_ALIAS_GENL_FAMILY(VNICGW_GENL_NAME);

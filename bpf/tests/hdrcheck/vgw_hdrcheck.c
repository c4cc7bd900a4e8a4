// SPDX-License-Identifier: GPL-2.0
/*
 * vgw_hdrcheck.c - proves that the shared wire/flow headers compile, and
 * compute, in a kernel module (make -C bpf hdrcheck). Never loaded by the
 * tests; loading it prints the hash of one known flow.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <vgw/wire.h>
#include <vgw/flow.h>

static int __init vgw_hdrcheck_init(void)
{
	struct vgw_vxlanhdr vx;
	struct vgw_flow_key k;

	vgw_vxlan_init(&vx, 1001);
	vgw_flow_key_init_ipv4(&k, htonl(0x0a010105), htonl(0x0a010207), VGW_PROTO_TCP);
	vgw_flow_key_set_ports(&k, htons(40000), htons(443));
	pr_info("vgw_hdrcheck: vni %u hash %08x slot %u tunnel %d\n", vgw_vni_get(vx.vni),
		vgw_flow_hash(&k), vgw_flow_slot(vgw_flow_hash(&k), 4),
		vgw_tunnel_of_port(htons(VGW_GENEVE_PORT)));
	return 0;
}

static void __exit vgw_hdrcheck_exit(void)
{
}

module_init(vgw_hdrcheck_init);
module_exit(vgw_hdrcheck_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vnicgw shared header compile check");

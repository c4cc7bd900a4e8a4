// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state. Every namespace gets a struct vgw_net the
 * moment the module is loaded (or the namespace created); it holds the
 * namespace's tables and its link. Namespaces never see each other's state.
 */
#include <linux/rtnetlink.h>

#include "cluster.h"
#include "conntrack.h"
#include "nat.h"
#include "datapath.h"
#include "nlattr.h"
#include "snap.h"
#include "vnicgw.h"

unsigned int vgw_net_id __read_mostly;

static int __net_init vgw_net_init(struct net *net)
{
	struct vgw_net *vn = vgw_net(net);
	struct vgw_snap *s;

	s = vgw_snap_new_empty();
	if (!s)
		return -ENOMEM;
	vn->pcpu = netdev_alloc_pcpu_stats(struct vgw_net_pcpu);
	if (!vn->pcpu) {
		kfree(s);
		return -ENOMEM;
	}
	if (vgw_ct_net_init(vn)) {
		free_percpu(vn->pcpu);
		kfree(s);
		return -ENOMEM;
	}
	if (vgw_nat_net_init(vn)) {
		vgw_ct_net_exit(vn);
		free_percpu(vn->pcpu);
		kfree(s);
		return -ENOMEM;
	}
	if (vgw_frag_net_init(vn)) {
		vgw_nat_net_exit(vn);
		vgw_ct_net_exit(vn);
		free_percpu(vn->pcpu);
		kfree(s);
		return -ENOMEM;
	}
	vgw_cluster_net_init(vn);
	vgw_drop_events_init(vn);
	s->generation = 1;
	vn->net = net;
	mutex_init(&vn->lock);
	RCU_INIT_POINTER(vn->dev, NULL);
	RCU_INIT_POINTER(vn->snap, s);
	vn->generation = 1;
	return 0;
}

/*
 * Links go first, under RTNL, so that no packet path can still reach the
 * tables; then the tables. Batched so that a mass namespace teardown takes
 * RTNL once.
 */
static void __net_exit vgw_net_exit_batch(struct list_head *net_exit_list)
{
	struct net *net;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry(net, net_exit_list, exit_list)
		vgw_device_destroy_all(net, &kill);
	unregister_netdevice_many(&kill);
	rtnl_unlock();

	/*
	 * No link, no socket, no netlink socket: no new packet and no request
	 * can reach the tables. Packet path readers that started before the
	 * links went are waited for, once for the whole batch: one may still
	 * queue a resync (a member's ask).
	 */
	synchronize_rcu();
	/*
	 * The workers still can reach the tables: each namespace's resync and
	 * asks, and its collectors, which read the cluster and the tables.
	 * Every one of them stops (and is not queued again) before anything
	 * goes.
	 */
	list_for_each_entry(net, net_exit_list, exit_list) {
		struct vgw_net *vn = vgw_net(net);

		vgw_cluster_net_stop(vn);
		vgw_ct_net_stop(vn);
		vgw_nat_net_stop(vn);
	}
	list_for_each_entry(net, net_exit_list, exit_list) {
		struct vgw_net *vn = vgw_net(net);

		mutex_lock(&vn->lock);
		vgw_txn_abort(vn);
		vgw_snap_destroy(rcu_dereference_protected(vn->snap, true));
		RCU_INIT_POINTER(vn->snap, NULL);
		mutex_unlock(&vn->lock);
		vgw_cluster_net_exit(vn);
		vgw_ct_net_exit(vn);
		vgw_nat_net_exit(vn);
		vgw_frag_net_exit(vn);
		free_percpu(vn->pcpu);
	}
}

static struct pernet_operations vgw_net_ops = {
	.init = vgw_net_init,
	.exit_batch = vgw_net_exit_batch,
	.id = &vgw_net_id,
	.size = sizeof(struct vgw_net),
};

int __init vgw_netns_init(void)
{
	return register_pernet_device(&vgw_net_ops);
}

void vgw_netns_exit(void)
{
	unregister_pernet_device(&vgw_net_ops);
}

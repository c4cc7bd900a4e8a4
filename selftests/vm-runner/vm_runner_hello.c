// SPDX-License-Identifier: GPL-2.0
/*
 * vm_runner_hello: the smallest out-of-tree module, built by test_runner.sh
 * and loaded in the guest to check that the kernel's normal messages for an
 * unsigned out-of-tree module ("loading out-of-tree module taints kernel",
 * "module verification failed ...") do not fail tools/vm's kernel-log check.
 */
#include <linux/module.h>

static int __init vm_runner_hello_init(void)
{
	return 0;
}

static void __exit vm_runner_hello_exit(void)
{
}

module_init(vm_runner_hello_init);
module_exit(vm_runner_hello_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tools/vm self-test module");

// SPDX-License-Identifier: GPL-2.0
/*
 * vm_runner_bugs: bugs planted on purpose, one per load (bug=NAME), for
 * test_runner.sh to check that the debug kernel reports each kind and that
 * tools/vm fails the run on the report:
 *   leak    memory no one points to any more (kmemleak, after a scan)
 *   lockdep two mutexes taken in both orders (a possible deadlock)
 *   oob     a read one byte past a kmalloc'ed buffer (KASAN)
 *   uaf     a read of freed memory (KASAN)
 *   shift   a shift by more than the width (UBSAN)
 *   sleep   sleeping under a spinlock (DEBUG_ATOMIC_SLEEP)
 * Built against the debug kernel's tree, so that it carries the
 * sanitizers' instrumentation. Never loaded by anything but those tests.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static char *bug = "";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "the bug to plant: leak, lockdep, oob, uaf, shift, sleep");

static DEFINE_MUTEX(first);
static DEFINE_MUTEX(second);
static DEFINE_SPINLOCK(lock);

static noinline void leak(void)
{
	int i;

	/* Several, so that a copy left on the stack cannot hide them all. */
	for (i = 0; i < 8; i++)
		if (!kmalloc(128, GFP_KERNEL))
			break;
}

static noinline void both_orders(void)
{
	mutex_lock(&first);
	mutex_lock(&second);
	mutex_unlock(&second);
	mutex_unlock(&first);
	mutex_lock(&second);
	mutex_lock(&first);
	mutex_unlock(&first);
	mutex_unlock(&second);
}

static noinline void out_of_bounds(void)
{
	char *p = kmalloc(16, GFP_KERNEL);

	if (!p)
		return;
	pr_info("vm_runner_bugs: byte past the end: %d\n",
		((volatile char *)p)[16]);
	kfree(p);
}

static noinline void use_after_free(void)
{
	char *p = kmalloc(32, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	pr_info("vm_runner_bugs: freed byte: %d\n", ((volatile char *)p)[0]);
}

static noinline void wide_shift(void)
{
	volatile int by = 40;
	volatile u32 one = 1;

	pr_info("vm_runner_bugs: 1 << 40 = %u\n", one << by);
}

static noinline void sleep_atomic(void)
{
	spin_lock(&lock);
	msleep(1);
	spin_unlock(&lock);
}

static int __init vm_runner_bugs_init(void)
{
	static const struct {
		const char *name;
		void (*plant)(void);
	} bugs[] = {
		{ "leak", leak }, { "lockdep", both_orders },
		{ "oob", out_of_bounds }, { "uaf", use_after_free },
		{ "shift", wide_shift }, { "sleep", sleep_atomic },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(bugs); i++)
		if (!strcmp(bug, bugs[i].name)) {
			/* Not by name: "leak" would match the log check itself. */
			pr_info("vm_runner_bugs: planting bug %d\n", i);
			bugs[i].plant();
			return 0;
		}
	pr_err("vm_runner_bugs: no bug named '%s'\n", bug);
	return -EINVAL;
}

static void __exit vm_runner_bugs_exit(void)
{
}

module_init(vm_runner_bugs_init);
module_exit(vm_runner_bugs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tools/vm self-test: planted bugs for the debug kernel");

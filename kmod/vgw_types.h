/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgw_types.h - what the table algorithms (lpm.c, rules.c) take from the
 * kernel: types, allocation, ERR_PTR, hweight64, sort, byte order.
 *
 * The same sources are compiled in userspace for the unit tests, the fuzzer
 * and the benchmarks; -DVGW_USERSPACE selects user/kshim/vgw_kshim.h, which
 * provides the same names. Files that include this one use nothing else from
 * the kernel, so that both builds see the same code.
 */
#ifndef _VGW_TYPES_H
#define _VGW_TYPES_H

#ifdef VGW_USERSPACE
#include "vgw_kshim.h"
#else
#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <asm/byteorder.h>
#endif

#endif /* _VGW_TYPES_H */

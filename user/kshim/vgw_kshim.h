/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgw_kshim.h - the kernel facilities that the table algorithms of kmod/
 * (lpm.c, rules.c) use, for building them in userspace: host unit tests,
 * the libFuzzer target and the benchmarks. kmod/vgw_types.h includes this
 * instead of the kernel headers when compiled with -DVGW_USERSPACE; add
 * -I user/kshim -I kmod.
 *
 * Only what those files use is here, with the kernel's semantics where they
 * matter (ERR_PTR encoding, allocation size overflow returns NULL, gfp flags
 * accepted and __GFP_ZERO honoured). Allocations can be made to fail on
 * purpose (vgw_kshim_fail_after) so that tests reach the -ENOMEM paths.
 */
#ifndef _VGW_KSHIM_H
#define _VGW_KSHIM_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>		/* AF_INET, AF_INET6 */
#include <linux/types.h>	/* __u8.., __be16, __be32, __be64 */

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;

#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define BIT(nr)		(1UL << (nr))
#define BUILD_BUG_ON(c)	_Static_assert(!(c), #c)

/* ---- errors in pointers (include/linux/err.h) ---------------------------- */

#define MAX_ERRNO	4095

static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return (unsigned long)ptr >= (unsigned long)-MAX_ERRNO;
}

static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR(ptr);
}

/* ---- allocation ------------------------------------------------------------ */

typedef unsigned int gfp_t;
#define __GFP_ZERO	0x100u
#define GFP_KERNEL	0x1u
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | 0x400u)
#define GFP_ATOMIC	0x2u

/*
 * Fault injection for tests: when >= 0, the allocation that finds it at 0
 * fails and every later one succeeds again; each allocation counts it down.
 * Weak, so every translation unit shares one variable without a .c file.
 */
__attribute__((weak)) long vgw_kshim_fail_after = -1;
/* Allocations made so far (successful or not): lets a test walk every one. */
__attribute__((weak)) unsigned long vgw_kshim_allocs;

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	vgw_kshim_allocs++;
	if (vgw_kshim_fail_after >= 0 && vgw_kshim_fail_after-- == 0)
		return NULL;
	if (!size)		/* the kernel returns ZERO_SIZE_PTR; keep it simple */
		size = 1;
	return (gfp & __GFP_ZERO) ? calloc(1, size) : malloc(size);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc(bytes, gfp);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return kmalloc_array(n, size, gfp | __GFP_ZERO);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#define kvmalloc(size, gfp)		kmalloc(size, gfp)
#define kvzalloc(size, gfp)		kzalloc(size, gfp)
#define kvmalloc_array(n, size, gfp)	kmalloc_array(n, size, gfp)
#define kvcalloc(n, size, gfp)		kcalloc(n, size, gfp)
#define kvfree(p)			kfree(p)

/* ---- arithmetic (include/linux/overflow.h, bitops.h, byteorder) ---------- */

#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)

/* The kernel patches in popcnt where the CPU has it; build with -mpopcnt. */
static inline unsigned int hweight64(u64 w)
{
	return __builtin_popcountll(w);
}

#define be16_to_cpu(x)	be16toh(x)
#define be32_to_cpu(x)	be32toh(x)
#define be64_to_cpu(x)	be64toh(x)
#define cpu_to_be32(x)	htobe32(x)

#define U32_MAX		UINT32_MAX

#define min_t(type, a, b)	((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define max_t(type, a, b)	((type)(a) > (type)(b) ? (type)(a) : (type)(b))

/* ---- lib/sort.c ------------------------------------------------------------ */

typedef int (*cmp_func_t)(const void *a, const void *b);
typedef void (*swap_func_t)(void *a, void *b, int size);

/* The kernel's is an in-place heapsort; neither is stable, nothing relies on it. */
static inline void sort(void *base, size_t num, size_t size, cmp_func_t cmp,
			swap_func_t swap)
{
	(void)swap;
	qsort(base, num, size, cmp);
}

#endif /* _VGW_KSHIM_H */

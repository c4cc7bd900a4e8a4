// SPDX-License-Identifier: GPL-2.0
/* vgw_fail() and vgw_fail_ret() (vgw.h): in a file of its own, which needs no libnl. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "vgw.h"

int vgw_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int vgw_fail_ret(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

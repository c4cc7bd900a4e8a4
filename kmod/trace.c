// SPDX-License-Identifier: GPL-2.0
/* The tracepoints' definitions (vgw_trace.h says what they are). */
#define CREATE_TRACE_POINTS
#include "vgw_trace.h"

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fixed-width types for headers shared by the XDP program and userspace.
 * BPF code gets them from vmlinux.h; userspace from the UAPI headers.
 */
#ifndef AEGIS_TYPES_H
#define AEGIS_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#include <linux/bpf.h>		/* struct bpf_timer */
#endif

#ifndef AEGIS_STATIC_ASSERT
#define AEGIS_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#endif /* AEGIS_TYPES_H */

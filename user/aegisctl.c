// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * aegisctl: inspect and edit a running Aegis shield through its BPF maps.
 * Works with or without aegisd, whoever attached the program. The command
 * line lives in ctl/ctl.c.
 */
#include "ctl/ctl.h"

int main(int argc, char **argv)
{
	return ctl_main(argc, argv);
}

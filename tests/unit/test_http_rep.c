// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/http/http_rep.c: which reputation input each parser refusal and
 * each WAF attack class reports. The site's own policy (a method it does
 * not serve, a body over its limit) must never score a client: a WebDAV
 * client's PROPFIND would otherwise ban it. */
#include <criterion/criterion.h>

#include "guard/waf.h"
#include "http/http_rep.h"

Test(http_rep, every_reason_maps_in_range)
{
	for (int r = 0; r < HTTP_R__COUNT; r++) {
		int in = http_rep_input_of_reason((enum http_reason)r);

		cr_expect(in >= -1 && in < AEGIS_REP_IN_MAX, "reason %d: input %d", r, in);
		cr_expect(in != AEGIS_REP_IN_CLEAN_REQUEST && in != AEGIS_REP_IN_CHALLENGE_PASSED,
			  "reason %d (%s) earns credit", r, http_reason_text((enum http_reason)r));
	}
}

Test(http_rep, site_policy_is_not_misconduct)
{
	static const enum http_reason policy[] = { HTTP_R_NONE, HTTP_R_METHOD_NOT_ALLOWED,
						   HTTP_R_METHOD_UNKNOWN, HTTP_R_BODY_TOO_LARGE };

	for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]); i++)
		cr_expect_eq(http_rep_input_of_reason(policy[i]), -1, "%s is scored",
			     http_reason_text(policy[i]));
}

Test(http_rep, smuggling_and_oversize)
{
	static const enum http_reason smug[] = { HTTP_R_CL_AND_TE, HTTP_R_DUP_CL, HTTP_R_BAD_CL,
						 HTTP_R_TE_LIST, HTTP_R_TRAILER_FRAMING,
						 HTTP_R_OBS_FOLD, HTTP_R_BARE_CR, HTTP_R_BARE_LF,
						 HTTP_R_HOST_DUP, HTTP_R_AUTHORITY_MISMATCH };

	for (size_t i = 0; i < sizeof(smug) / sizeof(smug[0]); i++)
		cr_expect_eq(http_rep_input_of_reason(smug[i]), AEGIS_REP_IN_SMUGGLING, "%s",
			     http_reason_text(smug[i]));
	cr_expect_eq(http_rep_input_of_reason(HTTP_R_HEAD_TOO_LARGE), AEGIS_REP_IN_OVERSIZE_HEAD);
	cr_expect_eq(http_rep_input_of_reason(HTTP_R_URI_TOO_LONG), AEGIS_REP_IN_OVERSIZE_HEAD);
	cr_expect_eq(http_rep_input_of_reason(HTTP_R_PATH_TRAVERSAL), AEGIS_REP_IN_WAF_LFI);
	cr_expect_eq(http_rep_input_of_reason(HTTP_R_BAD_CHUNK), AEGIS_REP_IN_BAD_FRAMING);
}

Test(http_rep, waf_classes)
{
	cr_expect_eq(http_rep_input_of_waf(WAF_SQLI), AEGIS_REP_IN_WAF_SQLI);
	cr_expect_eq(http_rep_input_of_waf(WAF_XSS), AEGIS_REP_IN_WAF_XSS);
	cr_expect_eq(http_rep_input_of_waf(WAF_PHP), AEGIS_REP_IN_WAF_RCE);
	cr_expect_eq(http_rep_input_of_waf(WAF_JAVA), AEGIS_REP_IN_WAF_RCE);
	cr_expect_eq(http_rep_input_of_waf(WAF_RFI), AEGIS_REP_IN_WAF_LFI);
	cr_expect_eq(http_rep_input_of_waf(WAF_SCANNER), AEGIS_REP_IN_WAF_SCANNER);
	cr_expect_eq(http_rep_input_of_waf(WAF_CUSTOM), AEGIS_REP_IN_WAF_OTHER);
	cr_expect_eq(http_rep_input_of_waf(0), AEGIS_REP_IN_WAF_OTHER, "unknown rule id");
}

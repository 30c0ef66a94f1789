// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The built-in rule sets, one block per attack class (ids by class:
 * 1xxx SQLi, 2xxx XSS, 3xxx RCE, 4xxx LFI, 5xxx RFI, 6xxx PHP, 7xxx Java,
 * 8xxx generic (SSRF, prototype pollution, Node), 9xxx scanners).
 *
 * Scores: 5 = a signature no benign request carries (blocks alone at the
 * default threshold), 3-4 = strong hint that benign text can still produce
 * (code snippets, prose), 2 = weak context that only counts in combination.
 * Patterns are written against decoded fields (see waf.c) and compiled
 * caseless and dotall; they describe attack grammar (a quote that breaks out
 * of a string then a boolean comparison, a shell metacharacter then a
 * command), not strings from any test corpus.
 */
#include "guard/waf_priv.h"

/* SQL whitespace: blanks or inline comments, as the parser sees them. */
#define SW "(?:\\s|/\\*.*?\\*/|--[^\\n]*\\n|#[^\\n]*\\n)"
#define Q "['\"\\x60]"
#define CMP "(?:=|<=?|>=?|<>|!=|\\blike\\b|\\bis\\b|\\brlike\\b|\\bregexp\\b|\\bsounds\\s+like\\b|\\bglob\\b|\\bmatch\\b|\\bbetween\\b|\\bin\\s*\\()"
#define SQLT (WAF_T_ARGS | WAF_T_HEADER | WAF_T_PATH)
#define XSST (WAF_T_ARGS | WAF_T_HEADER | WAF_T_PATH)
#define RCET (WAF_T_ARGS | WAF_T_HEADER)
#define LFIT (WAF_T_ARGS | WAF_T_HEADER | WAF_T_PATH)
/* Commands whose names are not English words. */
#define UNIX_CMD "(?:whoami|uname|wget|curl|nc|ncat|netcat|bash|zsh|ksh|csh|tcsh|dash|sh|" \
	"python[23]?|perl|ruby|lua|php|telnet|nslookup|ifconfig|ipconfig|chmod|chown|" \
	"chgrp|nmap|base64|powershell|pwsh|cmd|systeminfo|tasklist|tftp|socat|busybox|" \
	"crontab|useradd|usermod|sudo|mkfifo|mknod|nohup|xxd|hexdump|netstat|iptables|" \
	"id|ls|pwd|ping|uptime|hostname|printenv|passwd|getent|lsof|killall|pkill|" \
	"rmdir|mkdir|ln|sshpass|scp|rsync|openssl|gcc|cc|c89|c99|gdb|strace|ltrace|" \
	"wscript|cscript|flock|busybox|nice|taskset|ionice|setarch|chroot|unshare|" \
	"nsenter|capsh|runuser|doas|pkexec|jjs|jrunscript|tclsh|gawk|mawk|nawk|vim|emacs|" \
	"xxd|7z|unrar|sqlite3|mysql|psql|ftp|sftp|ssh|rlogin|ftpget|tcpdump|tshark|dig|" \
	"whois|traceroute|ip6tables|systemctl|reboot|poweroff|tmux)"
/* Commands that are also words: only with an argument that looks like one. */
#define WORD_CMD "(?:cat|tac|nl|ls|find|grep|egrep|awk|gawk|sed|head|tail|more|less|type|dir|" \
	"kill|touch|cp|mv|rm|ps|net|who|w|last|set|ip|ss|dd|od|tar|zip|unzip|gzip|" \
	"strings|vi|vim|nano|su|exec|eval|timeout|xargs|sleep|time|date|echo|printf|" \
	"env|read|diff|sort|uniq|wc|cut|file|stat|du|df|mount|curl|wget|cd|fold|bridge|paste|join|" \
	"split|tee|rev|look|comm|expand|column|install|chattr|lsattr|cmp|base32)"
/* Tools no English sentence starts with: a value beginning with one of them
 * and an argument is a command line. */
#define SYS_CMD "(?:whoami|uname|ifconfig|ipconfig|wget|curl|ncat|netcat|nslookup|chmod|chown|chgrp|nmap|" \
	"base64|powershell|pwsh|systeminfo|tasklist|socat|busybox|crontab|useradd|usermod|userdel|mkfifo|mknod|" \
	"nohup|xxd|hexdump|netstat|iptables|ip6tables|printenv|getent|lsof|killall|pkill|pgrep|sshpass|strace|" \
	"ltrace|setarch|nsenter|capsh|runuser|pkexec|jrunscript|tcpdump|tshark|systemctl|journalctl|ansible(?:-\\w+)?|" \
	"chef-\\w+|cscli|aptitude|apt-get|dpkg|rpm|yum|telnet|tftp|traceroute|tracert|ifup|ifdown|insmod|" \
	"rmmod|modprobe|setfacl|getfacl|chattr|lsattr|sysctl|dmesg|chpasswd|visudo|poweroff|env\\s+-|set\\s+-o|export\\s+\\w+=|bash|zsh|ksh|csh|tcsh|dash|/bin/sh|sh\\s+-|irb|php\\s+-|perl\\s+-|ruby\\s+-|python[23]?\\s+-)"
/* Windows tools whose names are not words: a value may start with one. */
#define WIN_TOOL "icacls|cacls|bcdboot|bcdedit|vssadmin|wevtutil|schtasks|taskkill|tasklist|netsh|nltest|" \
	"ipconfig|systeminfo|findstr|certutil|bitsadmin|wmic|mshta|rundll32|regsvr32|cscript|wscript|" \
	"powershell|cmd|qwinsta|fsutil|diskpart|mountvol|takeown|msiexec|forfiles|odbcconf|msbuild|installutil|xcopy|attrib"
/* cmd.exe built-ins and Windows tools. */
#define WIN_CMD "dir|type|copy|xcopy|del|erase|ren|move|attrib|icacls|cacls|bcdboot|bcdedit|vssadmin|wevtutil|" \
	"schtasks|sc|taskkill|tasklist|ver|whoami|netsh|nltest|ipconfig|systeminfo|findstr|where|reg|certutil|" \
	"bitsadmin|wmic|mshta|rundll32|regsvr32|cscript|wscript|powershell|cmd|net|net1|query|qwinsta|runas|" \
	"fsutil|diskpart|format|mountvol|cipher|takeown|msiexec|forfiles|pcalua|hh|odbcconf|msbuild|installutil"
#define SHELL_SEP "(?:[;|\\x60\\n]|\\$\\(|&&|\\|\\||\\$\\{IFS\\})"

const struct waf_builtin waf_builtin_rules[] = {
	/* ---- SQL injection ---- */
	{ 1001, WAF_SQLI, SQLT, 5, "quote break-out then boolean comparison",
	  Q SW "*\\)*" SW "*(?:or|and|xor|\\|\\||&&|div)" SW "*\\(*" SW "*" Q "?[\\w.@-]*" Q "?"
	  SW "*" CMP },
	{ 1002, WAF_SQLI, SQLT, 5, "numeric tautology after a boolean operator",
	  "\\b(?:or|and|xor|having|where|when)" SW "+\\(*" Q "?-?\\d+(?:\\.\\d+)?" Q "?" SW "*"
	  "(?:=|<=?|>=?|<>|!=)" SW "*\\(*" Q "?-?\\d+" },
	{ 1003, WAF_SQLI, SQLT, 3, "quote break-out then boolean keyword",
	  Q SW "*\\)*" SW "*(?:or|and|xor|\\|\\||&&)" SW "+(?:true|false|null|not|\\d+|\\w+\\s*\\()" },
	{ 1004, WAF_SQLI, SQLT, 5, "UNION SELECT",
	  "\\bunion(?:" SW "|\\()+(?:(?:all|distinct|distinctrow)(?:" SW "|\\()+)?select\\b" },
	{ 1005, WAF_SQLI, SQLT, 5, "quote then comment to end of value",
	  Q SW "*\\)*" SW "*(?:--|#|;" SW "*(?:--|#))[^\\n]*$" },
	{ 1006, WAF_SQLI, SQLT, 5, "time-based blind functions",
	  "\\b(?:pg_sleep\\b|execute" SW "+immediate\\b|declare" SW "*@\\w|benchmark\\s*\\(\\s*\\d|waitfor" SW "+(?:delay|time)" SW "*" Q
	  "|sleep\\s*\\(\\s*\\d+\\s*\\)\\s*(?:=|<>|<|>|\\band\\b|\\bor\\b|--|#)|dbms_pipe\\.receive_message|dbms_lock\\.sleep|randomblob\\s*\\(\\s*\\d{6,})" },
	{ 1007, WAF_SQLI, SQLT, 3, "sleep() call",
	  "\\bsleep\\s*\\(\\s*\\d+(?:\\.\\d+)?\\s*\\)" },
	{ 1008, WAF_SQLI, SQLT, 5, "schema, system table or file access",
	  "\\b(?:information_schema|pg_catalog|pg_shadow|sysobjects|syscolumns|sys\\.(?:tables|objects|columns)|"
	  "mysql\\.(?:user|db)|sqlite_master|msysaccessobjects|xp_cmdshell|xp_regread|xp_dirtree|"
	  "sp_executesql|sp_oacreate|sp_password|load_file\\s*\\(|into" SW "+(?:out|dump)file\\b|"
	  "extractvalue\\s*\\(|updatexml\\s*\\(|utl_http\\.|utl_inaddr\\.|dbms_\\w+\\.\\w+\\s*\\()|"
	  "@@(?:version|datadir|hostname|basedir|servername|tmpdir)\\b" },
	{ 1009, WAF_SQLI, SQLT, 5, "MySQL executable comment", "/\\*!\\d*\\s*\\w" },
	{ 1010, WAF_SQLI, SQLT, 5, "stacked query",
	  "(?:^|[\\w'\"\\x60)])" SW "*;" SW "*(?:"
	  "(?:drop|truncate|alter|create)" SW "+(?:table|database|schema|user|procedure|function|view|index)\\b|"
	  "insert" SW "+into\\b|update" SW "+[\\w.\\x60\"]+" SW "+set\\b|delete" SW "+from\\b|exec(?:ute)?" SW "*(?:[@(]|xp_|sp_|master\\.|immediate\\b)|"
	  "declare" SW "+@|shutdown\\b|select" SW "+(?:\\*|@|null\\b|\\d|[\\w.]+\\s*(?:,|\\bfrom\\b|\\())|set" SW "+@|"
	  "grant" SW "+\\w+" SW "+on\\b|waitfor" SW "+\\w)" },
	{ 1011, WAF_SQLI, SQLT, 2, "SELECT ... FROM",
	  "\\bselect" SW "+(?:[\\w*@(),.'\"\\x60]+" SW "*){1,12}from\\b" },
	{ 1012, WAF_SQLI, SQLT, 3, "data-changing statement",
	  "\\b(?:insert" SW "+into\\s+[\\w\\x60\"]+\\s*(?:\\(|values|select)|delete" SW "+from\\s+\\w+\\s+where|"
	  "drop" SW "+(?:table|database|schema|user|procedure|function)\\b|alter" SW "+table\\b|"
	  "truncate" SW "+table\\b|update\\s+\\w+\\s+set\\s+\\w+\\s*=|create" SW
	  "+(?:table|user|database|procedure|function)\\b)" },
	{ 1013, WAF_SQLI, SQLT, 2, "SQL function call",
	  "\\b(?:concat(?:_ws)?|group_concat|char|chr|ascii|substring|substr|mid|hex|unhex|cast|convert|"
	  "version|database|user|current_user|schema|length|ord|elt|make_set|floor|rand|ifnull|isnull|"
	  "coalesce|nullif|iif|count|sum|avg|min|max)\\s*\\(" },
	{ 1014, WAF_SQLI, SQLT, 4, "quote break-out then SQL clause",
	  "['\"]" SW "*\\)*" SW "*(?:union|select|having|order" SW "+by|group" SW "+by|procedure" SW
	  "+analyse|waitfor|exec|limit" SW "+\\d|into" SW "+(?:out|dump)file|and" SW "+\\w+\\s*\\(|or" SW "+\\w+\\s*\\()\\b" },
	{ 1015, WAF_SQLI, SQLT, 5, "ORDER/GROUP BY column probe with comment",
	  "\\b(?:order|group)" SW "+by" SW "+\\d+(?:\\s*,\\s*\\d+)*" SW "*(?:--|#|/\\*)" },
	{ 1016, WAF_SQLI, SQLT, 5, "quote then SQL function call",
	  Q SW "*(?:\\|\\||\\+|&&|-|\\*|/|\\bor\\b|\\band\\b|\\bxor\\b|\\bdiv\\b|=|,)?" SW "*"
	  "(?:sleep|benchmark|pg_sleep|if|ifnull|coalesce|char|chr|concat|ascii|substring|substr|"
	  "extractvalue|updatexml|exp|floor|rand|elt|make_set|case" SW "+when|select)\\s*\\(" },
	{ 1017, WAF_SQLI, SQLT, 3, "conditional or CASE expression",
	  "\\b(?:case" SW "+when\\b.*?\\bthen\\b|if\\s*\\(.{1,80}?,.{0,80}?,|iif\\s*\\()" },
	{ 1018, WAF_SQLI, SQLT, 2, "long hex literal", "\\b0x[0-9a-f]{8,}\\b" },
	{ 1019, WAF_SQLI, SQLT, 3, "comparison chain of quoted operands",
	  Q "\\s*" CMP "\\s*" Q "[^'\"\\x60]*" Q "\\s*(?:or|and|\\|\\||&&|" CMP ")" },
	{ 1021, WAF_SQLI, SQLT, 5, "quoted comparison break-out",
	  Q "[\\w.-]*" Q SW "*(?:=|<>|!=|<=?|>=?)" SW "*" Q },
	{ 1022, WAF_SQLI, SQLT, 5, "PostgreSQL cast or JSON operator after a quote",
	  "(?:['\")]\\s*::\\s*(?:jsonb?|int\\d?|integer|text|varchar|regclass|bytea|oid)\\b|"
	  "\\bjson_(?:extract|build_object|agg|each|object_agg|populate_record)\\s*\\(|"
	  "['\"]\\s*(?:@>|<@|\\?\\||\\?&|#>>?|->>?)\\s*['\"])" },
	{ 1023, WAF_SQLI, SQLT, 3, "HAVING/LIKE with an expression",
	  "\\bhaving" SW "+\\w+\\s*\\(|\\blike" SW "+null\\b|\\)\\s*like\\s*\\(" },
	{ 1024, WAF_SQLI, SQLT, 5, "number OR/AND boolean literal",
	  "\\b\\d+" SW "+(?:or|and|xor|\\|\\||&&)" SW "+(?:true|false|not" SW "+(?:true|false))\\b" },
	{ 1025, WAF_SQLI, SQLT, 5, "PostgreSQL type cast of a column or call",
	  "[\\w)]::(?:int[248]?|integer|bigint|smallint|double" SW "+precision|numeric|real|jsonb?|text|varchar|regclass|bytea|oid)\\b" },
	{ 1026, WAF_SQLI, SQLT, 5, "subquery after an operator",
	  "(?:[=(,|&<>]|\\b(?:and|or|xor|not|in|exists|where|when|then|like))\\s*\\(\\s*select\\s+"
	  "(?:\\*|@|\\d|null\\b|case\\b|if\\s*\\(|char|concat|count|sleep|top\\b|distinct\\b|[\\w.\\x60\"]+\\s*(?:,|from\\b|\\())" },
	{ 1027, WAF_SQLI, SQLT, 5, "time delay in a boolean or conditional context",
	  "(?:(?:\\b(?:and|or|xor|if|then|else|select|when|not)\\b|[=(,;|&'\"+-])\\s*(?:sleep|pg_sleep|benchmark)"
	  "|^\\s*(?:sleep|pg_sleep))\\s*\\(\\s*\\d" },
	{ 1028, WAF_SQLI, SQLT, 5, "error-based extraction function",
	  "\\b(?:exp\\s*\\(\\s*~|floor\\s*\\(\\s*rand\\s*\\(|gtid_subset\\s*\\(|name_const\\s*\\(|"
	  "(?:polygon|multipoint|multilinestring|multipolygon|geometrycollection|linestring)\\s*\\(\\s*\\(?\\s*select|"
	  "json_keys\\s*\\(\\s*\\(|xmltype\\s*\\(|ctxsys\\.drithsx|dbms_xmlgen|utl_inaddr|"
	  "convert\\s*\\(\\s*int\\s*,|cast\\s*\\(.{1,80}?\\bas\\s+(?:int|integer|numeric|signed|unsigned|char|varchar|nvarchar)\\b)" },
	{ 1029, WAF_SQLI, SQLT, 5, "database catalogue or system object",
	  "\\b(?:all_tables|user_tables|all_tab_columns|user_tab_columns|dba_users|all_users|v\\$version|sys\\.user\\$|"
	  "master\\.\\.sys\\w+|master\\.dbo\\.|sysdatabases|sysusers|msysobjects|pg_user\\b|pg_database\\b|pg_tables\\b|pg_roles\\b|"
	  "pg_read_file|pg_ls_dir|lo_import|lo_export|sqlite_(?:schema|temp_master|version)|mysql\\.innodb_\\w+|"
	  "performance_schema\\.|sys\\.schema_\\w+|rdb\\$\\w+|db_name\\s*\\(|schema_name\\b|user_name\\s*\\(|"
	  "(?:current_user|session_user|system_user|database|version|schema)\\s*\\(\\s*\\))" },
	{ 1030, WAF_SQLI, SQLT, 5, "string built from character codes or hex",
	  "\\b(?:char|chr|nchar)\\s*\\(\\s*\\d+\\s*(?:[,+|]\\s*(?:char|chr)?\\s*\\(?\\s*\\d+\\s*\\)?\\s*){2,}|"
	  "\\b(?:concat(?:_ws)?|group_concat)\\s*\\([^)]{0,80}?(?:0x[0-9a-f]{2,}|@@\\w|\\b(?:user|database|version|char)\\s*\\()|"
	  "\\bunhex\\s*\\(\\s*(?:0x)?[0-9a-f]{4,}|(?:=|\\bor\\b|\\band\\b|\\()\\s*0x[0-9a-f]{6,}\\s*(?:--|#|\\)|$)" },
	{ 1031, WAF_SQLI, SQLT, 5, "boolean operator then a comparison of expressions",
	  "(?:\\b(?:or|and|xor|div)|\\|\\||&&)\\s*\\(*\\s*(?:\\d+|[\\w.]+\\s*\\([^)]{0,40}\\))\\s*"
	  "(?:=|<=>|==|!=|<>|<=?|>=?|\\blike\\b|\\brlike\\b|\\bregexp\\b|\\bsounds\\s+like\\b|\\bbetween\\b|\\bis\\s+(?:not\\s+)?null\\b|\\bnot\\s*(?:like|in|between|regexp)\\b)"
	  SW "*\\(*\\s*(?:\\d+|[\\w.]+\\s*\\(|['\"]|select\\b)" },
	{ 1032, WAF_SQLI, SQLT, 5, "quote then operator keyword (notnull, collate, like, regexp)",
	  Q SW "*\\)*\\s*(?:(?:or|and|xor|\\|\\||&&)\\s+[\\w.]+\\s+(?:is\\s+)?(?:not\\s*)?null\\b|notnull\\b|isnull\\b|collate\\s+\\w|"
	  "(?:not\\s+)?(?:like|rlike|regexp|glob)\\s+(?:binary\\s+)?['\"(]|between\\s+\\S+\\s+and\\b|div\\s+\\d|in\\s*\\(\\s*(?:select|\\d))" },
	{ 1033, WAF_SQLI, SQLT, 5, "ORDER BY / GROUP BY column probe",
	  "(?:^|['\"\\x60)]|\\d)\\s*(?:order|group)\\s+by\\s+\\d+(?:\\s*,\\s*\\d+)*\\s*(?:--|#|/\\*|;|\\)|$|asc\\b|desc\\b)" },
	{ 1034, WAF_SQLI, SQLT, 5, "stacked statement after a separator",
	  ";\\s*(?:select\\s+(?:\\*|@|\\d|null\\b|[\\w.\\x60]+\\s*(?:,|from\\b|\\())|insert\\s+into\\b|"
	  "update\\s+[\\w.\\x60\"]+\\s+set\\b|delete\\s+from\\b|"
	  "(?:drop|create|alter|truncate)\\s+(?:table|database|schema|user|login|procedure|function|view|index|trigger|column)\\b|"
	  "exec(?:ute)?\\s*(?:[@(]|xp_|sp_|master\\.|immediate\\b)|declare\\s+@|shutdown\\s*(?:--|#|;|$|with\\b)|"
	  "set\\s+@|waitfor\\s+(?:delay|time)\\b|begin\\s+(?:declare|dbms)|copy\\s+\\w+\\s+(?:from|to)\\s+program|"
	  "load\\s+data\\s+(?:local\\s+)?infile|handler\\s+\\w+\\s+(?:open|read)\\b)" },
	{ 1035, WAF_SQLI, SQLT, 5, "UNION or SELECT assembled with odd separators",
	  "\\bunion\\b[^\\w]{0,40}(?:all|distinct)?[^\\w]{0,20}\\bselect\\b|\\bselect\\b[^\\w]{0,10}(?:null|\\d+)\\s*,\\s*(?:null|\\d+)\\s*(?:,|from\\b|--|#|$)|"
	  "\\bselect\\s+(?:@@\\w+|user\\s*\\(|database\\s*\\(|version\\s*\\(|load_file|pg_sleep|sleep\\s*\\(|benchmark|char\\s*\\()" },
	{ 1036, WAF_SQLI, SQLT, 4, "quote, then an operator, then more SQL",
	  Q SW "*(?:\\|\\||&&|\\bor\\b|\\band\\b|\\bxor\\b|\\+|;)\\s*(?:\\(|\\d|[\\w.]+\\s*\\(|null\\b|true\\b|false\\b|not\\b|select\\b|@)" },
	{ 1037, WAF_SQLI, SQLT, 3, "MSSQL or MySQL keyword-only probe",
	  "\\b(?:waitfor|xp_(?:cmdshell|reg\\w+|dirtree|fileexist|servicecontrol)|sp_(?:executesql|oacreate|oamethod|makewebtask|configure|addsrvrolemember|password)|openrowset|opendatasource|bulk\\s+insert|tempdb|msdb|northwind|into\\s+(?:out|dump)file)\\b" },
	{ 1038, WAF_SQLI, SQLT, 5, "value closes a string then a comment",
	  "^[\\w.@-]*['\"\\x60]\\)*\\s*(?:--|#|/\\*|;)" },
	{ 1039, WAF_SQLI, SQLT, 5, "numeric or identifier tautology",
	  "(?:^|[\\s('\"\\x60=]|\\d)(?:or|and|xor|\\|\\||&&)\\s+(?:(\\d+)|['\"]\\w*['\"]|\\w+)\\s*(?:=|==|<=>)\\s*(?:\\d+|['\"]\\w*['\"]?|\\w+)\\s*(?:--|#|/\\*|;|\\)|$)" },
	{ 1040, WAF_SQLI, SQLT, 5, "database-specific syntax prose never uses",
	  "\\bprocedure\\s+analyse\\b|\\blo_(?:get|import|export)\\s*\\(|\\bexec(?:ute)?\\s*\\(\\s*@|"
	  "\\b(?:msdasql|sqloledb)\\b|\\bopen(?:rowset|datasource|query)\\s*\\(|\\bdeclare\\s+@\\w+\\s+\\w" },
	{ 1041, WAF_SQLI, WAF_T_ARGS | WAF_T_PATH, 5, "NoSQL query operator",
	  "\\[\\s*\\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|not|nor|or|and|elemmatch|expr|text|type|all|size|mod|jsonschema)\\s*\\]|"
	  "^\\s*\\$(?:ne|nin|regex|where|exists|not|nor|or|and|elemmatch|expr|text|jsonschema|function|accumulator|lookup)\\s*$" },
	{ 1042, WAF_SQLI, SQLT, 5, "JSON literal compared with a JSON operator (WAF bypass syntax)",
	  "['\"][\\[{][^'\"]{0,200}[\\]}]['\"]\\s*(?:\\?[|&]?|@>|<@|->>?|#>>?|<|>|=)\\s*(?:['\"]|array\\s*\\[)|"
	  "\\b(?:json_extract|json_contains|json_search|json_value|json_query|jsonb_\\w+)\\s*\\(\\s*['\"][\\[{]" },
	{ 1043, WAF_SQLI, SQLT, 5, "boolean operator, column, comparison, then an operand opening",
	  "(?:\\b(?:and|or|xor)\\s+|(?:\\|\\||&&)\\s*)[a-z_][\\w.]*\\s*(?:=|==|!=|<>|<=>)\\s*(?:['\"(]|\\d+\\s*\\)|$)|"
	  "(?:\\|\\||&&)\\s*[a-z_][\\w.]*\\s*(?:==|!=)" },
	{ 1044, WAF_SQLI, SQLT, 5, "SQL variable assignment or conditional expression",
	  "\\bset\\s+@@?[a-z_]\\w*\\s*(?::?=)|[;>]\\s*set\\s+@@?[a-z_]|"
	  "\\bif\\s*\\(\\s*\\d+\\s*=(?:[^=]|$)|\\)\\s*(?:like|rlike|regexp|sounds\\s+like)\\s*\\(|"
	  "(?:^|[=(,])\\s*case\\s+when\\b.{0,80}?\\bthen\\b|(?:[=(,]|\\b(?:and|or))\\s*\\(\\s*select\\s*$|"
	  ";\\s*update\\s+[\\w.\\x60\"]+\\s*$" },
	{ 1020, WAF_SQLI, SQLT, 3, "SQL comment sequence", "/\\*.*?\\*/|--\\s*$|;\\s*--|\\x60\\s*--" },

	/* ---- XSS ---- */
	{ 2001, WAF_XSS, XSST, 5, "script tag", "<\\s*/?\\s*(?:[\\w-]+:)?script\\b" },
	{ 2002, WAF_XSS, XSST, 5, "event handler attribute in a tag",
	  "<[a-z][^>]*?[\\s/\"'\\x60]on[a-z]{3,}\\s*=" },
	{ 2003, WAF_XSS, XSST, 5, "script URL in a link attribute",
	  "(?:href|src|action|formaction|data|xlink:href|background|lowsrc|dynsrc|poster|code|codebase)"
	  "\\s*=\\s*['\"\\x60]?\\s*(?:javascript|vbscript|livescript|data\\s*:\\s*(?:text/html|image/svg|application/))" },
	{ 2004, WAF_XSS, XSST, 5, "script URL call", "(?:javascript|vbscript|livescript)\\s*:[^\\n]{0,100}?[\\(\\x60=]" },
	{ 2005, WAF_XSS, XSST, 5, "active content tag",
	  "<\\s*(?:[\\w-]+:)?(?:iframe|frame|frameset|object|embed|applet|meta|base|svg|math|isindex|xss|template|"
	  "marquee|keygen|portal|listing|xmp|plaintext|bgsound|layer|ilayer|import|vmlframe|noscript|\\?import|include)(?:[^\\w-]|$)" },
	{ 2006, WAF_XSS, XSST, 5, "DOM sink or cookie access",
	  "\\b(?:document(?:\\s|/\\*.*?\\*/|\\))*(?:\\.|\\[\\s*['\"\\x60])(?:\\s|/\\*.*?\\*/)*(?:cookie|write(?:ln)?|domain|location)|window\\s*\\.\\s*(?:location|name|open)|"
	  "\\.innerhtml\\s*=|\\.outerhtml\\s*=|location\\s*\\.\\s*(?:href|hash|replace)|"
	  "string\\s*\\.\\s*fromcharcode|\\b(?:self|top|parent|frames|globalthis|window|document)(?:\\s|/\\*.*?\\*/)*\\[)" },
	{ 2007, WAF_XSS, XSST, 3, "JavaScript execution call",
	  "\\b(?:alert|prompt|confirm|eval|settimeout|setinterval|atob|fromcharcode|execscript)\\s*(?:\\(|\\x60)" },
	{ 2008, WAF_XSS, XSST, 5, "CSS expression or script URL in style",
	  "(?:expression\\s*\\(|url\\s*\\(\\s*['\"]?\\s*(?:javascript|vbscript)|-moz-binding|behavior\\s*:)" },
	{ 2009, WAF_XSS, XSST, 5, "attribute break-out into an event handler",
	  "['\"\\x60]\\s*/?\\s*\\bon[a-z]{3,}\\s*=" },
	{ 2010, WAF_XSS, XSST, 3, "event handler name assignment",
	  "\\bon(?:error|load|mouse\\w+|focus\\w*|blur|click|dblclick|key\\w+|submit|change|input|toggle|"
	  "animation\\w+|transition\\w+|pointer\\w+|begin|end|start|unload|resize|scroll|wheel|drag\\w*|drop|"
	  "copy|paste|cut|play|pause|hashchange|message|popstate|pageshow|show|invalid|readystatechange|"
	  "afterprint|beforeprint|contextmenu|auxclick|touch\\w+)\\s*=" },
	{ 2011, WAF_XSS, XSST, 5, "template or srcdoc injection",
	  "(?:\\bsrcdoc\\s*=|\\{\\{[^}]*(?:constructor|\\$eval|\\$on|alert|prompt|\\[\\s*['\"]))" },
	{ 2012, WAF_XSS, XSST, 4, "tag with source-loading attribute and no quotes or odd spacing",
	  "<\\s*(?:img|image|video|audio|source|input|body|details|style|link|form|button|textarea|select|"
	  "track|picture|table|td|div|a|p|span)[\\s/]+[^>]*?(?:src|href|background|action)\\s*=\\s*[^\\s>'\"]*(?:javascript|vbscript|data):" },
	{ 2013, WAF_XSS, XSST, 3, "unclosed tag with attributes (tag-breaking)",
	  "<\\s*[a-z]+[\\s/]+[a-z-]+\\s*=[^>]*$" },

	{ 2017, WAF_XSS, XSST, 5, "stylesheet or resource link tag", "<\\s*link\\b[^>]*?\\bhref\\s*=" },
	{ 2014, WAF_XSS, XSST, 5, "script scheme split by tabs or newlines",
	  "j[\\t\\n\\r]*a[\\t\\n\\r]*v[\\t\\n\\r]*a[\\t\\n\\r]*s[\\t\\n\\r]*c[\\t\\n\\r]*r[\\t\\n\\r]*i[\\t\\n\\r]*p[\\t\\n\\r]*t[\\t\\n\\r]*:"
	  "(?:[^\\n]{0,100}?[\\(\\x60=]|[\\t\\n\\r\\\\])|j(?:a[\\t\\n\\r]+|[\\t\\n\\r]+a)v|jav[\\t\\n\\r]+a|java[\\t\\n\\r]+script" },
	{ 2015, WAF_XSS, XSST, 5, "XML namespace or half-width bracket tag tricks",
	  "(?:\\xc2)?\\xbc\\s*/?\\s*script|<\\s*[\\w-]+\\s+xmlns(?::\\w+)?\\s*=|\\bschemalocation\\s*=" },
	{ 2016, WAF_XSS, XSST, 4, "script scheme", "(?:javascript|vbscript|livescript)\\s*:" },

	/* ---- command injection ---- */
	{ 3001, WAF_RCE, RCET, 5, "shell separator then command",
	  SHELL_SEP "\\s*(?:[\\w]+=\\S*\\s+)*(?:/(?:usr/)?(?:local/)?s?bin/)?" UNIX_CMD "(?:[\\s;|&<>)\\x60]|$)" },
	{ 3002, WAF_RCE, RCET, 5, "shell separator then command with arguments",
	  SHELL_SEP "\\s*(?:/(?:usr/)?s?bin/)?" WORD_CMD "(?:\\s|\\$\\{IFS\\}|<)+[-/.~$*'\"]" },
	{ 3003, WAF_RCE, RCET, 4, "absolute path to a system binary",
	  "(?:^|[\\s;|&\\x60(=<>'\"])/(?:usr/)?(?:local/)?s?bin/[\\w?*\\[\\]]+" },
	{ 3004, WAF_RCE, RCET, 5, "shell evasion: IFS, globbed paths, brace expansion",
	  "(?:\\$\\{?IFS\\b|/[\\w?*]*[?*][\\w?*]*/[\\w?*]*[?*]|\\{\\s*\\w+\\s*,\\s*[-/.\\w]+\\s*\\}|\\$\\{\\w+:\\d+:\\d+\\})" },
	{ 3005, WAF_RCE, RCET, 5, "Windows command execution",
	  "\\b(?:cmd(?:\\.exe)?\\s*/[ck]\\b|powershell(?:\\.exe)?\\s+-|net(?:1)?\\s+(?:user|localgroup|view|share)\\b|"
	  "certutil(?:\\.exe)?\\s+-|bitsadmin\\b|wmic\\b|reg(?:\\.exe)?\\s+(?:add|query|delete)\\b|rundll32|regsvr32|"
	  "mshta\\b|cscript\\b|wscript\\b|invoke-expression|invoke-webrequest|invoke-restmethod|"
	  "new-object\\s+(?:system\\.)?net\\.webclient|\\biwr\\s+\\S|-encodedcommand\\b|iex\\s*\\(|downloadstring|start-process)" },
	{ 3006, WAF_RCE, RCET, 5, "reverse shell",
	  "(?:/dev/(?:tcp|udp)/|\\bnc(?:at)?\\s+(?:-[a-z]+\\s+)*[\\w.]+\\s+\\d+|\\b(?:ba|z|k)?sh\\s+-i\\b|"
	  "\\bmkfifo\\s|\\bexec\\s+\\d*<>|\\bsocat\\s+\\w*:)" },
	{ 3007, WAF_RCE, RCET, 5, "download piped to a shell",
	  "\\b(?:wget|curl|fetch)\\b[^|;\\n]*\\|\\s*(?:ba|z|k|c|da)?sh\\b" },
	{ 3008, WAF_RCE, RCET, 3, "download command with URL",
	  "\\b(?:wget|curl|fetch|tftp)\\s+(?:-[\\w-]+\\s+)*['\"]?(?:https?|ftp|tftp)://" },
	{ 3009, WAF_RCE, WAF_T_ALL, 5, "Shellshock function definition", "\\(\\s*\\)\\s*\\{.*?;\\s*\\}\\s*;" },
	{ 3010, WAF_RCE, RCET, 3, "command substitution",
	  "(?:\\$\\(\\s*[a-z]+[\\s)]|\\x60\\s*[a-z]+(?:\\s+-\\w+)?\\s*\\x60)" },
	{ 3011, WAF_RCE, RCET, 4, "quote-split or escaped command name",
	  "(?:^|[;|&\\s\\x60(])(?:c(?:''|\"\"|\\\\)?a(?:''|\"\"|\\\\)?t|w(?:''|\"\"|\\\\)?h(?:''|\"\"|\\\\)?o(?:''|\"\"|\\\\)?a"
	  "(?:''|\"\"|\\\\)?m(?:''|\"\"|\\\\)?i|i(?:''|\"\"|\\\\)d|u(?:''|\"\"|\\\\)?n(?:''|\"\"|\\\\)?a(?:''|\"\"|\\\\)?m"
	  "(?:''|\"\"|\\\\)?e)(?:\\s|$)" },
	{ 3012, WAF_RCE, RCET, 3, "redirection to a file or device",
	  "(?:>>?|<)\\s*/(?:dev|tmp|etc|var|proc)/" },

	{ 3013, WAF_RCE, RCET, 3, "file-reading or fetching command with a path",
	  "(?:^|[\\s;|&(])(?:cat|tac|nl|more|less|head|tail|strings|od|xxd|base64|sort|uniq|grep|awk|sed|cp|mv|"
	  "rm|ls|chmod|curl|wget|touch|cd|vi|vim|nano|tee|diff|file|stat)\\s+(?:-\\w+\\s+)*[\"']?(?:/|~/|\\.\\./)[\\w.-]" },

	{ 3014, WAF_RCE, RCET, 5, "shell evasion: variables or quotes inside a command word",
	  "(?:^|[;|&\\s\\x60(])[a-z]+(?:\\$(?:_|@|\\*|\\{\\w*\\})|''|\"\")[a-z]*(?:\\s|/|$)|"
	  "[;|&\\x60]\\s*\\$[a-z_]\\w*\\s+[a-z]|\\{\\s*,\\s*\\$?['\"]\\w+['\"]|"
	  "(?:^|[;|&\\s])/?(?:s?bin|usr|etc|dev|tmp|proc)/[\\w]*[?*]" },
	{ 3015, WAF_RCE, RCET, 5, "shell separator then a bare command at the end",
	  SHELL_SEP "\\s*" WORD_CMD "\\s*$" },

	{ 3016, WAF_RCE, RCET, 5, "value that is a command line of a system tool",
	  "^\\s*(?:/(?:usr/)?(?:local/)?s?bin/)?" SYS_CMD "(?:\\s+\\S|\\s*$)" },
	{ 3017, WAF_RCE, RCET, 5, "command run through a wrapper (nohup, strace, sh -c ...)",
	  "(?:^|[\\s;|&(\\x60])(?:nohup|strace|ltrace|time|timeout\\s+\\d+\\w?|nice|sudo|doas|env|exec|xargs|busybox|"
	  "setsid|stdbuf\\s+-\\S+|flock(?:\\s+-\\w+)*\\s+\\S+|chroot\\s+\\S+|watch|unbuffer|ionice|taskset\\s+\\S+)\\s+"
	  "(?:/(?:usr/)?s?bin/)?(?:" UNIX_CMD "|" WORD_CMD ")(?:\\s|$)|\\b(?:ba|z|k|da|c|tc|fi|a)?sh\\s+-c\\s|\\bpython[23]?\\s+-c\\s|"
	  "\\bperl\\s+-e\\s|\\bruby\\s+-e\\s|\\bphp\\s+-r\\s|\\bnode\\s+-e\\s" },
	{ 3018, WAF_RCE, RCET, 5, "command substitution or here-string running a command",
	  "(?:\\$\\(|(?:^|[;|&=(]\\s*)\\x60|<<<)\\s*(?:/(?:usr/)?s?bin/)?(?:" UNIX_CMD "|" WORD_CMD ")(?:[\\s)\\x60<;|]|$)" },
	{ 3019, WAF_RCE, RCET, 5, "Windows command after a separator",
	  "[;|&\\n]\\s*(?:" WIN_CMD ")(?:\\.exe)?(?:\\s+[/%\\w\"'.\\\\-]|\\s*$)|"
	  "^\\s*(?:" WIN_TOOL ")(?:\\.exe)?\\s+[/%\\w\"'.\\\\-]" },
	{ 3020, WAF_RCE, RCET, 4, "Windows environment variable", "%(?:systemroot|systemdrive|windir|comspec|programfiles|userprofile|appdata|homepath|homedrive|allusersprofile|public|computername|username)%" },
	{ 3021, WAF_RCE, RCET, 5, "shell function definition or fork bomb",
	  "[\\w:.]+\\s*\\(\\s*\\)\\s*\\{[^}]*[|;&][^}]*\\}\\s*(?:;|&|\\|)" },
	{ 3022, WAF_RCE, RCET, 5, "ampersand then a command",
	  "(?:^|[^&])&\\s*(?:/(?:usr/)?s?bin/)?" SYS_CMD "(?:\\s|$)" },
	/* ---- path traversal / LFI ---- */
	{ 4001, WAF_LFI, LFIT, 5, "repeated directory traversal", "(?:\\.{2,}[\\\\/;]+){2,}|(?:[\\\\/]\\.{2,}){2,}" },
	{ 4002, WAF_LFI, LFIT, 4, "directory traversal", "(?:^|[\\\\/=\\s:'\"])\\.{2,}[\\\\/;]|[\\\\/]\\.{2,}(?:$|[\\\\/;\\x00])" },
	{ 4003, WAF_LFI, LFIT, 5, "sensitive operating system file",
	  "(?:etc[\\\\/]+(?:passwd|shadow|group|gshadow|hosts|issue|hostname|crontab|sudoers|master\\.passwd|"
	  "security[\\\\/]|mysql[\\\\/]|ssh[\\\\/]|apache2?[\\\\/]|httpd[\\\\/]|nginx[\\\\/]|profile|environment|motd|fstab|resolv\\.conf|"
	  "inittab|init\\.d)|proc[\\\\/]+(?:self|\\d+)[\\\\/]+(?:environ|cmdline|fd|maps|status|mem|exe|cwd|root)|"
	  "\\.ssh[\\\\/]+(?:id_|authorized_keys|known_hosts)|[\\\\/]\\.bash_history|(?:root|home[\\\\/][\\w.-]+|\\.\\.)[\\\\/]+\\.bashrc|\\.htpasswd|\\.htaccess|"
	  "boot\\.ini|win\\.ini|system\\.ini|windows[\\\\/]+(?:system32|win\\.ini|repair)|winnt[\\\\/]|"
	  "inetpub[\\\\/]|\\bweb\\.config\\b|wp-config\\.php|\\.aws[\\\\/]+credentials|var[\\\\/]+log[\\\\/]|"
	  "usr[\\\\/]+local[\\\\/]+(?:apache|etc)|proc[\\\\/]+(?:sys|net|version|cpuinfo|meminfo|interrupts|mounts|partitions|modules|kallsyms|config\\.gz)\\b|"
	  "sys[\\\\/]+(?:class|kernel|devices|block|module|firmware|fs|power)\\b|\\.(?:docker|kube|gnupg|aws|azure|gcloud)[\\\\/]|"
	  "\\.(?:bash|zsh|sh|mysql|psql|python|node_repl|lesshst)?_?history\\b|etc[\\\\/]+(?:sub[ug]id|ld\\.so|sysctl|pam\\.d|cron)|\\bc:[\\\\/]+(?:windows|winnt|boot))" },
	{ 4004, WAF_LFI, WAF_T_PATH, 5, "restricted file in the path",
	  "(?:/\\.(?:git|svn|hg|bzr|env|htaccess|htpasswd|ds_store|aws|ssh|docker|npmrc|bash_history|idea|vscode)(?:[/.]|$)|"
	  "/(?:wp-config|config|settings|database)\\.(?:php|inc|py|yml|yaml|json)\\.(?:bak|old|orig|save|swp|tmp|~)|"
	  "\\.(?:sql|bak|old|swp|orig|backup|dump|mdb|sqlite|db)$)" },
	{ 4005, WAF_LFI, LFIT, 5, "stream wrapper",
	  "\\b(?:php|file|zip|phar|glob|expect|input|compress\\.zlib|compress\\.bzip2|ogg|rar|ssh2\\.\\w+|jar|netdoc)://|"
	  "\\bdata:(?:text/plain|application/x-httpd-php)[;,]" },
	{ 4006, WAF_LFI, WAF_T_ARGS, 3, "absolute path to a system directory",
	  "(?:^|[\\s=;'\"])(?:/|[a-z]:[\\\\/]|file:)(?:etc|proc|var|usr|root|windows|winnt|boot|sys|dev)[\\\\/]" },
	{ 4007, WAF_LFI, LFIT, 5, "NUL byte after file name",
	  "\\.(?:php|html?|txt|jsp|asp|inc|ini|conf|log|xml|json|jpg|png|gif)\\x00" },

	{ 4008, WAF_LFI, WAF_T_PATH, 5, "log or dump file in the path",
	  "/(?:debug|error|errors|access|php_errors?|install|laravel)\\.log$|\\.(?:sql|db|bak)\\.(?:zip|gz|tgz|bz2|7z|rar)$" },

	/* ---- remote file inclusion ---- */
	{ 5001, WAF_RFI, WAF_T_ARGS, 5, "URL to a raw IP address",
	  "^\\s*(?:https?|ftps?|php|file)://(?:[^@/]*@)?\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\b" },
	{ 5002, WAF_RFI, WAF_T_ARGS, 5, "URL ending in '?' (inclusion suffix trick)",
	  "^\\s*(?:https?|ftps?)://[^\\s?#]+\\?+\\s*$" },
	{ 5003, WAF_RFI, WAF_T_ARGS, 5, "include of a remote URL",
	  "\\b(?:include|require|include_once|require_once)\\s*\\(?\\s*['\"]?\\s*(?:https?|ftp|php|data)://" },
	{ 5004, WAF_RFI, WAF_T_ARGS, 4, "URL to a script file with a query",
	  "^\\s*(?:https?|ftps?)://[^\\s?#]+\\.(?:txt|php\\d?|phtml|inc|sh|pl|py|asp|aspx|jsp|cgi)\\?" },

	/* ---- PHP injection ---- */
	{ 6001, WAF_PHP, RCET | WAF_T_PATH, 5, "PHP open tag", "<\\?(?:php\\b|=|\\s)" },
	{ 6002, WAF_PHP, RCET, 5, "PHP code-execution function call",
	  "\\b(?:shell_exec|passthru|popen|proc_open|pcntl_exec|phpinfo|base64_decode|gzinflate|gzuncompress|"
	  "gzdecode|str_rot13|file_get_contents|file_put_contents|create_function|call_user_func(?:_array)?|"
	  "move_uploaded_file|highlight_file|show_source|php_uname|posix_\\w+|ini_set|ini_get_all|"
	  "stream_get_contents|fsockopen|pfsockopen|assert_options|array_map|array_filter|usort|"
	  "preg_replace|ob_start|unserialize|var_dump|print_r|get_defined_vars|getcwd|scandir|"
	  "readfile|fopen|fwrite|fputs|opendir|readdir|symlink|escapeshellcmd|parse_str)\\s*\\(" },
	{ 6003, WAF_PHP, RCET, 3, "generic execution function call",
	  "\\b(?:eval|assert|system|exec|include|require|include_once|require_once|dl|putenv|getenv)\\s*\\(" },
	{ 6004, WAF_PHP, RCET, 4, "PHP superglobal", "\\$_(?:get|post|request|cookie|server|files|env|session)\\b|\\$globals\\b" },
	{ 6005, WAF_PHP, RCET, 5, "PHP serialized object", "[oc]:\\d+:\"[\\w\\\\]+\":\\d+:\\{" },
	{ 6006, WAF_PHP, RCET, 5, "PHP configuration directive",
	  "\\b(?:allow_url_include|allow_url_fopen|auto_prepend_file|auto_append_file|disable_functions|open_basedir|safe_mode)\\s*=" },
	{ 6007, WAF_PHP, RCET, 3, "PHP variable function or variable variable",
	  "\\$\\w+\\s*\\(.*\\)|\\$\\{\\s*['\"\\w]" },

	{ 6008, WAF_PHP, RCET, 5, "function name called through parentheses or an array",
	  "(?:\\(\\s*['\"]?(?:system|exec|shell_exec|passthru|eval|assert|popen|proc_open|phpinfo)['\"]?\\s*\\)|"
	  "\\[\\s*['\"]?(?:system|exec|shell_exec|passthru|assert|phpinfo)['\"]?\\s*\\])\\s*(?:\\[\\s*\\d+\\s*\\])?\\s*\\(" },
	{ 6009, WAF_PHP, RCET, 3, "function name assembled from string pieces",
	  "['\"]\\w{1,12}['\"]\\s*\\.\\s*['\"]\\w{1,12}['\"]" },
	{ 6010, WAF_PHP, WAF_T_BODY_VAL | WAF_T_HEADER, 5, "upload of a server-side script",
	  "filename\\s*=\\s*['\"]?[^'\";\\r\\n]*(?:\\.\\s*(?:php\\d*|phtml|phar|pht|phps|jsp|jspx|asp|aspx|cgi)(?:[.\\s'\";]|\\d|$)|"
	  "[\\\\/]sess_\\w{8,}|=\\s*['\"]?sess_\\w{8,})" },

	/* ---- Java / Log4Shell ---- */
	{ 7001, WAF_JAVA, WAF_T_ALL, 5, "Log4j lookup",
	  "\\$\\{[^}]{0,100}?(?:j(?:\\$\\{[^}]*\\}|[^}\\w]){0,5}n(?:\\$\\{[^}]*\\}|[^}\\w]){0,5}d(?:\\$\\{[^}]*\\}|[^}\\w]){0,5}i|\\$\\{)|"
	  "\\$\\{\\s*(?:jndi|lower|upper|env|sys|java|date|ctx|main|marker|bundle|k8s|docker|spring|log4j|web|jvmrunargs|sd|base64)\\s*:" },
	{ 7002, WAF_JAVA, RCET | WAF_T_BODY_VAL, 5, "Java runtime or reflection class",
	  "\\b(?:java\\.lang\\.(?:runtime|processbuilder|reflect|system|class|thread)|javax\\.script|getruntime\\s*\\(|"
	  "processbuilder|classloader|java\\.io\\.file|java\\.net\\.(?:url|socket)|com\\.sun\\.|"
	  "org\\.apache\\.commons\\.collections|javax\\.naming|ysoserial)" },
	{ 7003, WAF_JAVA, WAF_T_ALL, 5, "serialized Java object", "rO0AB|\\xac\\xed\\x00\\x05|H4sIAAAAAAAA" },
	{ 7004, WAF_JAVA, WAF_T_ARGS | WAF_T_HEADER, 5, "Spring class loader manipulation",
	  "\\bclass\\.(?:module\\.)?classloader\\b" },
	{ 7005, WAF_JAVA, WAF_T_ARGS | WAF_T_HEADER | WAF_T_PATH, 5, "OGNL or expression-language injection",
	  "(?:#_memberaccess|@java\\.lang|#context\\[|\\bognl\\b|\\bT\\s*\\(\\s*java\\.|"
	  "%\\{[^}]*(?:#|@|\\(\\))|\\$\\{[^}]*(?:getclass|runtime|new\\s+java|\\.exec\\s*\\())" },

	{ 7006, WAF_JAVA, WAF_T_ARGS | WAF_T_HEADER, 5, "Java package of an exploitable class",
	  "\\b(?:com\\.opensymphony\\.xwork2|org\\.omg\\.corba|org\\.apache\\.(?:commons\\.(?:collections|beanutils|fileupload)|"
	  "xalan|xbean|wicket|tomcat|catalina|struts2?|naming|myfaces|shiro|log4j|batik|velocity|click)|"
	  "java\\.(?:lang|io|net|rmi|beans|util\\.(?:prefs|logging)|security|nio)\\.[a-z]|javax\\.(?:naming|script|management|xml|rmi)|"
	  "com\\.sun\\.|sun\\.(?:misc|reflect|rmi)|bsh\\.interpreter|groovy\\.(?:lang|util)|org\\.codehaus\\.groovy|"
	  "org\\.springframework\\.|com\\.mchange\\.v2|org\\.hibernate\\.|com\\.alibaba\\.fastjson|com\\.fasterxml\\.jackson\\.databind|"
	  "org\\.mozilla\\.javascript|ognl\\.ognl|freemarker\\.template|org\\.jboss\\.|weblogic\\.|"
	  "com\\.thoughtworks\\.xstream|org\\.yaml\\.snakeyaml)" },

	/* ---- generic: SSRF, Node.js, prototype pollution ---- */
	{ 8001, WAF_GENERIC, WAF_T_ARGS | WAF_T_HEADER, 5, "prototype pollution",
	  "__proto__|constructor['\"]?\\s*\\]?\\s*(?:\\.|\\[)\\s*['\"]?prototype" },
	{ 8002, WAF_GENERIC, RCET, 5, "Node.js code execution",
	  "(?:require\\s*\\(\\s*['\"\\x60]child_process|\\bchild_process\\b|process\\s*\\.\\s*(?:mainmodule|binding|dlopen)|"
	  "\\.(?:execsync|spawnsync)\\s*\\(|global\\s*\\.\\s*process|new\\s+function\\s*\\()" },
	{ 8003, WAF_GENERIC, WAF_T_ARGS | WAF_T_HEADER, 5, "SSRF to cloud metadata or unusual scheme",
	  "(?:169\\.254\\.169\\.254|metadata\\.google\\.internal|100\\.100\\.100\\.200|\\[?::ffff:a9fe:|"
	  "\\b(?:gopher|dict|ldap|ldaps|tftp|jar|netdoc|rmi|iiop)://)" },
	{ 8004, WAF_GENERIC, WAF_T_ARGS, 4, "server-side template injection",
	  "(?:\\{\\{[^}]*(?:__class__|__globals__|__builtins__|__import__|config\\.|self\\.|request\\.application)|"
	  "\\{%[^%]*(?:import|exec|popen|system)|\\$\\{[^}]*freemarker|<#assign)" },

	{ 8005, WAF_GENERIC, WAF_T_ARGS | WAF_T_HEADER, 5, "URL to an obfuscated or loopback address",
	  "(?:https?|ftp|gopher)://(?:[^@/\\s]*@)?(?:\\d{8,10}|0x[0-9a-f]{6,8}|(?:0x[0-9a-f]{1,2}\\.){1,3}0x[0-9a-f]{1,2}|"
	  "(?:0\\d{1,4}\\.){3}0\\d{1,4}|\\[[0-9a-f:.]*\\]|0\\.0\\.0\\.0|0)(?:[:/?#]|$)|"
	  "\\bhttps?:(?:\\d{1,3}\\.){3}\\d{1,3}" },
	{ 8006, WAF_GENERIC, RCET, 5, "Perl code interpolation", "@\\{\\s*\\[" },

	/* ---- scanners ---- */
	{ 9001, WAF_SCANNER, WAF_T_UA, 5, "security scanner User-Agent",
	  "(?:sqlmap|nikto|nmap|masscan|acunetix|wpscan|nessus|openvas|w3af|dirbuster|gobuster|\\bdirb\\b|wfuzz|"
	  "\\bffuf\\b|nuclei|zgrab|arachni|skipfish|netsparker|appscan|havij|jaeles|whatweb|commix|xsstrike|"
	  "zmeu|morfeus|fimap|\\bhydra\\b|paros|webinspect|grabber|bsqlbf|pangolin|sf-?scan|nsauditor|"
	  "brutus|metasploit|absinthe|zap/|owasp zap|qualys|burp|vega/|webshag|httprint|joomscan|cgichk)" },
	{ 9002, WAF_SCANNER, WAF_T_HEADER_ALL, 5, "scanner marker header value",
	  "(?:acunetix-|netsparker|burpcollaborator|oast\\.(?:pro|live|site|online|fun|me)|interact\\.sh)" },
};

const size_t waf_builtin_count = sizeof(waf_builtin_rules) / sizeof(waf_builtin_rules[0]);

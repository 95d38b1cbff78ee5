/*
 * Value checks shared by the schemas (corridor_cfg_check_*), and the sections both daemons
 * have (security, log). A check gets a pointer to the stored value and writes a message
 * without position or key path: the loader prepends those.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "transport.h"

#define QUOTE_MAX 80 /* values quoted in messages are cut here: they come from the user */

__attribute__((format(printf, 3, 4)))
static int fail(char *msg, size_t msglen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (msg && msglen)
        vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

int corridor_cfg_check_id(const void *value, char *msg, size_t msglen)
{
    const char *s = value;
    if (corridor_id_valid(s))
        return 0;
    return fail(msg, msglen,
                "'%.*s' is not a valid id (1..63 characters of A-Z a-z 0-9 . _ -, starting "
                "with a letter or digit)", QUOTE_MAX, s);
}

int corridor_cfg_check_plmn(const void *value, char *msg, size_t msglen)
{
    const char *s = value;
    if (corridor_plmn_valid(s))
        return 0;
    return fail(msg, msglen, "'%.*s' is not a PLMN (expected MCC-MNC, e.g. 262-01)",
                QUOTE_MAX, s);
}

int corridor_cfg_check_country(const void *value, char *msg, size_t msglen)
{
    const char *s = value;
    char hint[48] = "";
    if (corridor_country_valid(s))
        return 0;
    /* the mistakes people make: lower case, and the codes used outside ISO 3166 */
    if (strlen(s) == 2) {
        char up[3] = {(char)toupper((unsigned char)s[0]), (char)toupper((unsigned char)s[1]), 0};
        if (strcmp(up, "UK") == 0)
            snprintf(hint, sizeof hint, " (the United Kingdom is 'GB')");
        else if (strcmp(up, "EL") == 0)
            snprintf(hint, sizeof hint, " (Greece is 'GR')");
        else if (strcmp(up, s) != 0 && corridor_country_valid(up))
            snprintf(hint, sizeof hint, " (did you mean '%s'?)", up);
    }
    return fail(msg, msglen, "'%.*s' is not an ISO 3166-1 alpha-2 country code%s",
                QUOTE_MAX, s, hint);
}

/* tcp host: a name or IPv4 address, an interface name, [IPv6], or * (bind to all). */
static bool tcp_host_valid(const char *h, size_t n)
{
    if (n == 1 && h[0] == '*')
        return true;
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        if (n == 2)
            return false;
        for (size_t i = 1; i + 1 < n; i++) {
            if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.' && h[i] != '%')
                return false;
        }
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!isalnum(c) && c != '.' && c != '-' && c != '_')
            return false;
    }
    return n > 0;
}

static int check_tcp(const char *s, const char *rest, char *msg, size_t msglen)
{
    const char *colon = strrchr(rest, ':');
    const char *bracket = rest[0] == '[' ? strchr(rest, ']') : NULL;
    if (rest[0] == '[' && !bracket)
        return fail(msg, msglen, "'%.*s' has an invalid host", QUOTE_MAX, s);
    if (!colon || (bracket && colon < bracket))
        return fail(msg, msglen, "'%.*s' has no port (expected tcp://HOST:PORT)", QUOTE_MAX, s);
    size_t hlen = (size_t)(colon - rest);
    if (hlen == 0)
        return fail(msg, msglen, "'%.*s' has no host (expected tcp://HOST:PORT, or tcp://*:PORT "
                    "to listen on all interfaces)", QUOTE_MAX, s);
    if (!tcp_host_valid(rest, hlen))
        return fail(msg, msglen, "'%.*s' has an invalid host", QUOTE_MAX, s);
    const char *p = colon + 1;
    unsigned long port = 0;
    size_t digits = strspn(p, "0123456789");
    if (digits == 0 || p[digits] != '\0' || digits > 5)
        return fail(msg, msglen, "'%.*s': the port must be a number 1..65535", QUOTE_MAX, s);
    for (size_t i = 0; i < digits; i++)
        port = port * 10 + (unsigned long)(p[i] - '0');
    if (port < 1 || port > 65535)
        return fail(msg, msglen, "'%.*s': the port must be a number 1..65535", QUOTE_MAX, s);
    return 0;
}

int corridor_cfg_check_endpoint(const void *value, char *msg, size_t msglen)
{
    const char *s = value;
    if (strncmp(s, "tcp://", 6) == 0)
        return check_tcp(s, s + 6, msg, msglen);
    if (strncmp(s, "ipc://", 6) == 0) {
        /* the path ends up in sockaddr_un.sun_path (108 bytes with the NUL) */
        size_t n = strlen(s + 6);
        if (n == 0)
            return fail(msg, msglen, "'%.*s' has no path (expected ipc://PATH)",
                        QUOTE_MAX, s);
        if (n > 107)
            return fail(msg, msglen, "'%.*s': the ipc path is too long (max 107 characters)",
                        QUOTE_MAX, s);
        return 0;
    }
    if (strncmp(s, "inproc://", 9) == 0) {
        if (s[9] == '\0')
            return fail(msg, msglen, "'%.*s' has no name (expected inproc://NAME)",
                        QUOTE_MAX, s);
        return 0;
    }
    return fail(msg, msglen, "'%.*s' is not an endpoint (expected tcp://HOST:PORT, ipc://PATH "
                "or inproc://NAME)", QUOTE_MAX, s);
}

/* ---- shared sections ---- */

const char *const corridor_cfg_log_level_names[] = {"debug", "info", "warn", "error", NULL};

#define SEC(m) .offset = offsetof(corridor_security, m), .size = sizeof(((corridor_security *)0)->m)

const corridor_cfg_field corridor_cfg_security_schema[] = {
    {.name = "mode", .type = CORRIDOR_CFG_ENUM, .offset = offsetof(corridor_security, mode),
     .size = sizeof(int), .def = "null", .enum_names = corridor_sec_mode_names,
     .help = "null (no authentication or encryption) or curve (ZeroMQ CURVE)"},
    {.name = "public_key_file", .type = CORRIDOR_CFG_STRING, SEC(public_key_file),
     .def = "\"\"", .help = "curve: this daemon's public key (Z85 text)"},
    {.name = "secret_key_file", .type = CORRIDOR_CFG_STRING, SEC(secret_key_file),
     .def = "\"\"", .help = "curve: this daemon's secret key (Z85 text)"},
    {.name = "server_key_file", .type = CORRIDOR_CFG_STRING, SEC(server_key_file),
     .def = "\"\"", .help = "curve, client side: the server's public key"},
    {.name = "allow_dir", .type = CORRIDOR_CFG_STRING, SEC(allow_dir),
     .def = "\"\"", .help = "curve, server side: directory of allowed client public keys"},
    {.name = NULL},
};

_Static_assert(sizeof(corridor_sec_mode) == sizeof(int), "security.mode is stored as an int");

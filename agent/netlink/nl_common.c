#include "nl_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include <netlink/errno.h>

int corridor_nl_errno(int nle)
{
    switch (nle < 0 ? -nle : nle) {
    case 0: return 0;
    case NLE_EXIST: return -EEXIST;
    case NLE_OBJ_NOTFOUND: return -ENOENT;
    case NLE_PERM: return -EPERM;
    case NLE_NODEV: return -ENODEV;
    case NLE_INVAL: return -EINVAL;
    case NLE_RANGE: return -ERANGE;
    case NLE_NOMEM: return -ENOMEM;
    case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
    case NLE_NOADDR: return -EADDRNOTAVAIL;
    case NLE_BUSY: return -EBUSY;
    case NLE_AGAIN: return -EAGAIN;
    case NLE_NOACCESS: return -EACCES;
    case NLE_OPNOTSUPP: return -EOPNOTSUPP;
    case NLE_MSG_OVERFLOW: return -ENOBUFS;
    default: return -EIO;
    }
}

void corridor_nl_addr_str(struct nl_addr *a, int with_len, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!a)
        return;
    int fam = nl_addr_get_family(a);
    unsigned plen = nl_addr_get_prefixlen(a);
    if (with_len && plen == 0) {
        snprintf(buf, len, "default");
        return;
    }
    char txt[INET6_ADDRSTRLEN] = "";
    unsigned char zero[16] = {0};
    const void *bin = nl_addr_get_len(a) ? nl_addr_get_binary_addr(a) : zero;
    if ((fam != AF_INET && fam != AF_INET6) || !inet_ntop(fam, bin, txt, sizeof txt)) {
        nl_addr2str(a, buf, len);
        return;
    }
    if (with_len)
        snprintf(buf, len, "%s/%u", txt, plen);
    else
        snprintf(buf, len, "%s", txt);
}

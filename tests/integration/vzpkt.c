/* vzpkt: what root in a vz CT can send with the CAP_NET_RAW it keeps (tests/integration/test_vz_hostile.py).
 *
 *   vzpkt udp SRC DST PORT TEXT   one UDP datagram from any source address we like (raw(7), IP_HDRINCL)
 *   vzpkt ra IFNAME               an IPv6 router advertisement to all nodes on IFNAME, offering a
 *                                 default route and the prefix 2001:db8:bad::/64 (RFC 4861, section 4.2)
 *
 * Exit status 0 when the kernel took the packet for sending: whether it
 * arrives is for the receiving side to tell.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what) {
    perror(what);
    return 1;
}

static int send_udp(const char *src, const char *dst, int port, const char *text) {
    unsigned char packet[1500] = {0};
    struct iphdr *ip = (struct iphdr *)packet;
    struct udphdr *udp = (struct udphdr *)(packet + sizeof *ip);
    size_t len = strlen(text);
    if (len > 1000) len = 1000;
    memcpy(packet + sizeof *ip + sizeof *udp, text, len);
    ip->version = 4;
    ip->ihl = 5;
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->tot_len = htons(sizeof *ip + sizeof *udp + len);  /* the kernel fills in id and checksum */
    if (inet_pton(AF_INET, src, &ip->saddr) != 1 || inet_pton(AF_INET, dst, &ip->daddr) != 1) {
        fprintf(stderr, "vzpkt: bad address\n");
        return 2;
    }
    udp->source = htons(40000);
    udp->dest = htons(port);
    udp->len = htons(sizeof *udp + len);
    udp->check = 0;  /* no checksum: allowed for UDP over IPv4 */
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);  /* IPPROTO_RAW implies IP_HDRINCL */
    if (s < 0) return fail("socket");
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = ip->daddr};
    if (sendto(s, packet, ntohs(ip->tot_len), 0, (struct sockaddr *)&to, sizeof to) < 0) return fail("sendto");
    return 0;
}

static int send_ra(const char *ifname) {
    struct {
        struct nd_router_advert ra;
        struct nd_opt_prefix_info prefix;
    } __attribute__((packed)) msg;
    memset(&msg, 0, sizeof msg);
    msg.ra.nd_ra_type = ND_ROUTER_ADVERT;
    msg.ra.nd_ra_curhoplimit = 64;
    msg.ra.nd_ra_router_lifetime = htons(1800);  /* "use me as your default router" */
    msg.prefix.nd_opt_pi_type = ND_OPT_PREFIX_INFORMATION;
    msg.prefix.nd_opt_pi_len = 4;
    msg.prefix.nd_opt_pi_prefix_len = 64;
    msg.prefix.nd_opt_pi_flags_reserved = ND_OPT_PI_FLAG_ONLINK | ND_OPT_PI_FLAG_AUTO;
    msg.prefix.nd_opt_pi_valid_time = htonl(86400);
    msg.prefix.nd_opt_pi_preferred_time = htonl(14400);
    inet_pton(AF_INET6, "2001:db8:bad::", &msg.prefix.nd_opt_pi_prefix);
    int s = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);  /* the kernel computes the ICMPv6 checksum */
    if (s < 0) return fail("socket");
    int hops = 255;  /* a receiver drops neighbour discovery with any other hop limit */
    if (setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) < 0) return fail("IPV6_MULTICAST_HOPS");
    struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_scope_id = if_nametoindex(ifname)};
    inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
    if (sendto(s, &msg, sizeof msg, 0, (struct sockaddr *)&to, sizeof to) < 0) return fail("sendto");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "udp") == 0) return send_udp(argv[2], argv[3], atoi(argv[4]), argv[5]);
    if (argc == 3 && strcmp(argv[1], "ra") == 0) return send_ra(argv[2]);
    fprintf(stderr, "usage: vzpkt udp SRC DST PORT TEXT | vzpkt ra IFNAME\n");
    return 2;
}

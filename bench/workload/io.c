/*
 * io.c - mode "io": a storage test in four phases, like fio's.
 *
 * Measures what the isolation costs a program that uses its disk
 * (scenarios/io.toml): an overlay, a loop-mounted image file or a VM's
 * virtual disk each add work between the program and the real device.
 * Four phases, each with the parameters fio would use, on two files in the
 * directory --dir (default: the current one, in the instance's own root):
 *   a. sequential write in 1 MiB blocks, fsync'd at the end   (MiB/s)
 *   b. sequential read, past the page cache (O_DIRECT)        (MiB/s)
 *   c. random 4 KiB reads, one at a time                      (IOPS, p50, p99)
 *   d. 4 KiB write + fsync, as a database commit does         (p50, p99)
 * The files are removed at the end, and on any failure (fail() in probe.c).
 *
 * Prints, after its ready line:
 *   BENCH event=result mode=io size_mib=N direct=0|1 seq_write_mib_s=...
 *         seq_read_mib_s=... rand_read_iops=... rand_read_p50_us=...
 *         rand_read_p99_us=... fsync_p50_us=... fsync_p99_us=...
 *   (direct=1 when both read phases bypassed the page cache)
 */
#include "probe.h"

#include <fcntl.h>

/* pread/pwrite all len bytes at off. Both may transfer less than asked or
 * fail with EINTR (read(2), write(2)), so loop. Returns the bytes moved
 * (fewer than len only when a read hits end of file), or -1 with errno. */
static ssize_t xfer(int fd, unsigned char *buf, size_t len, off_t off, int writing)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = writing ? pwrite(fd, buf + done, len - done, off + (off_t)done)
                            : pread(fd, buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0 && writing) { /* no progress: would loop forever */
            errno = EIO;
            return -1;
        }
        if (n == 0)
            break; /* end of file */
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* Give every 4 KiB sector its own tag, so no two sectors are equal and
 * deduplication cannot shrink the file (like fio's scramble_buffers=1).
 * OR-ing 0x01 into each byte keeps the whole buffer non-zero. */
static void stamp_blocks(unsigned char *buf, size_t len, uint64_t block_no)
{
    for (size_t off = 0; off < len; off += BLOCK) {
        uint64_t tag = ((block_no * (MIB / BLOCK) + off / BLOCK + 1) * 0x9E3779B97F4A7C15u)
                       | 0x0101010101010101u;
        memcpy(buf + off, &tag, sizeof tag);
    }
}

/* Open for reading past the page cache with O_DIRECT, like fio direct=1.
 * Filesystems without O_DIRECT say EINVAL, at open(2) or at the first read
 * (so we try one). Then use a buffered fd and drop the file's cached pages
 * first: posix_fadvise(2) POSIX_FADV_DONTNEED drops only clean pages, hence
 * the fdatasync. (On tmpfs/ramfs the page cache *is* the storage.) */
static int open_for_read(const char *path, unsigned char *buf, int *direct)
{
    int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd >= 0) {
        if (xfer(fd, buf, BLOCK, 0, 0) >= 0) {
            *direct = 1;
            return fd;
        }
        if (errno != EINVAL) fail("read_probe", errno);
        close(fd);
    } else if (errno != EINVAL) {
        fail("open_read", errno);
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open_read", errno);
    if (fdatasync(fd) < 0) fail("fdatasync", errno);
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); /* only advice */
    *direct = 0;
    return fd;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile: sort, then take the ceil(p/100 * n)-th value. */
static double percentile(double *v, size_t n, unsigned p)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[(p * n + 99) / 100 - 1]; /* n >= 1, so the rank is >= 1 */
}

int mode_io(int argc, char **argv)
{
    const char *dir = ".";
    long long size_mib = 64, rand_ops = 2000, fsync_ops = 200;
    const struct opt opts[] = {
        {"--dir", NULL, 0, 0, &dir},
        {"--size-mib", &size_mib, 1, 1024 * 1024, NULL},
        {"--rand-ops", &rand_ops, 1, 10000000, NULL}, /* bounds the latency array */
        {"--fsync-ops", &fsync_ops, 1, 10000000, NULL},
    };
    parse_opts(argc, argv, opts, 4);
    long pid = (long)getpid();
    printf("BENCH event=ready mode=io pid=%ld\n", pid);

    char *data_path = g_cleanup[0], *sync_path = g_cleanup[1];
    if (snprintf(data_path, PATH_MAX, "%s/probe-io.%ld.dat", dir, pid) >= PATH_MAX ||
        snprintf(sync_path, PATH_MAX, "%s/probe-fsync.%ld.dat", dir, pid) >= PATH_MAX) {
        data_path[0] = sync_path[0] = '\0'; /* never unlink a truncated name */
        fail("path", ENAMETOOLONG);
    }

    /* One 1 MiB buffer, 4 KiB-aligned as O_DIRECT requires, serves every
     * phase. Random non-zero bytes, so no filesystem can compress it. */
    unsigned char *buf;
    int rc = posix_memalign((void **)&buf, BLOCK, MIB);
    if (rc != 0) fail("alloc", rc);
    double *lat = malloc((size_t)(rand_ops > fsync_ops ? rand_ops : fsync_ops) * sizeof *lat);
    if (!lat) fail("alloc", ENOMEM);
    uint64_t seed = 0x853C49E6748FEA9Bu;
    for (size_t i = 0; i < MIB; i++)
        buf[i] = (unsigned char)(1 + xorshift64(&seed) % 255);

    /* a. Sequential write in 1 MiB blocks; the closing fsync is part of
     *    the time (fio rw=write bs=1m end_fsync=1). fsync() needs no EINTR
     *    loop: this mode installs no signal handlers to interrupt it. */
    int fd = open(data_path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) fail("open_write", errno);
    double t0 = now_s();
    for (long long b = 0; b < size_mib; b++) {
        stamp_blocks(buf, MIB, (uint64_t)b);
        if (xfer(fd, buf, MIB, (off_t)b * MIB, 1) < 0) fail("seq_write", errno);
    }
    if (fsync(fd) < 0) fail("seq_fsync", errno);
    double seq_write = (double)size_mib / (now_s() - t0);
    close(fd);

    /* b. Sequential read of the whole file (fio rw=read bs=1m direct=1). */
    int direct, direct_rand;
    fd = open_for_read(data_path, buf, &direct);
    t0 = now_s();
    for (long long b = 0; b < size_mib; b++) {
        ssize_t n = xfer(fd, buf, MIB, (off_t)b * MIB, 0);
        if (n != MIB) /* short: the file shrank under us */
            fail("seq_read", n < 0 ? errno : EIO);
    }
    double seq_read = (double)size_mib / (now_s() - t0);
    close(fd);

    /* c. Random aligned 4 KiB reads, one at a time (fio rw=randread bs=4k
     *    iodepth=1). A fixed seed makes every run read the same offsets. */
    fd = open_for_read(data_path, buf, &direct_rand);
    uint64_t nsectors = (uint64_t)size_mib * (MIB / BLOCK);
    seed = 0x2545F4914F6CDD1Du;
    t0 = now_s();
    for (long long i = 0; i < rand_ops; i++) {
        off_t off = (off_t)(xorshift64(&seed) % nsectors) * BLOCK;
        double s = now_s();
        ssize_t n = xfer(fd, buf, BLOCK, off, 0);
        lat[i] = (now_s() - s) * 1e6;
        if (n != BLOCK) fail("rand_read", n < 0 ? errno : EIO);
    }
    double rand_iops = (double)rand_ops / (now_s() - t0);
    close(fd);
    double rand_p50 = percentile(lat, (size_t)rand_ops, 50);
    double rand_p99 = percentile(lat, (size_t)rand_ops, 99);

    /* d. Durable small writes, as a database commit does: rewrite 4 KiB at
     *    offset 0, then fsync, each op timed (fio rw=write bs=4k fsync=1). */
    fd = open(sync_path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) fail("open_fsync", errno);
    for (long long i = 0; i < fsync_ops; i++) {
        stamp_blocks(buf, BLOCK, (uint64_t)i); /* new content every time */
        double s = now_s();
        if (xfer(fd, buf, BLOCK, 0, 1) < 0) fail("fsync_write", errno);
        if (fsync(fd) < 0) fail("fsync", errno);
        lat[i] = (now_s() - s) * 1e6;
    }
    close(fd);
    double fsync_p50 = percentile(lat, (size_t)fsync_ops, 50);
    double fsync_p99 = percentile(lat, (size_t)fsync_ops, 99);

    /* e. Leave nothing behind. */
    if (unlink(data_path) < 0 || unlink(sync_path) < 0) fail("unlink", errno);
    data_path[0] = sync_path[0] = '\0';
    free(lat);
    free(buf);

    printf("BENCH event=result mode=io size_mib=%lld direct=%d"
           " seq_write_mib_s=%.9g seq_read_mib_s=%.9g rand_read_iops=%.9g"
           " rand_read_p50_us=%.9g rand_read_p99_us=%.9g"
           " fsync_p50_us=%.9g fsync_p99_us=%.9g\n",
           size_mib, direct && direct_rand, seq_write, seq_read, rand_iops,
           rand_p50, rand_p99, fsync_p50, fsync_p99);
    return 0;
}

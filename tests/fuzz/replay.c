/*
 * Replays every file of the given corpus directories through the fuzz target, each whole and
 * cut at every length (so the cut-short cases are exercised on every build, without clang).
 * Usage: replay DIR...   Exit 0 when every input ran (a violated invariant aborts).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    static uint8_t buf[70000];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    for (size_t cut = 0; cut <= n; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);   /* exact size: ASan sees any overread */
        memcpy(c, buf, cut);
        LLVMFuzzerTestOneInput(c, cut);
        free(c);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            perror(argv[i]);
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            if (replay_file(path) < 0) {
                closedir(d);
                return 1;
            }
            files++;
        }
        closedir(d);
    }
    printf("replayed %d corpus files (each at every length)\n", files);
    if (files == 0) {
        fprintf(stderr, "no corpus files found\n");
        return 1;
    }
    return 0;
}

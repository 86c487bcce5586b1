/* Runs a fuzz target over every file of a corpus folder, for builds without
 * libFuzzer: the targets are then exercised in every test run. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_FOLDER\n", argv[0]);
        return 2;
    }
    DIR *folder = opendir(argv[1]);
    if (folder == NULL) {
        perror(argv[1]);
        return 1;
    }
    int files = 0;
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", argv[1], entry->d_name);
        FILE *file = fopen(path, "rb");
        if (file == NULL)
            continue;
        uint8_t *data = malloc(1 << 20);
        size_t size = fread(data, 1, 1 << 20, file);
        fclose(file);
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        files++;
    }
    closedir(folder);
    printf("replayed %d inputs\n", files);
    return files > 0 ? 0 : 1;
}

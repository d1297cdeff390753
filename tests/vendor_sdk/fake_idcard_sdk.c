/*
 * A stand-in for an ID-card reader vendor's SDK, compiled by the tests with gcc.
 *
 * It exports the shape devices/idcard/vendor_sdk.py expects and returns the codes of
 * SDT-style libraries: 0x90 success, 0x9F card found, 0x80 no card, 0x81 select
 * failed, 0x41 read failed, 0x01 port failure, 0x02 timeout.
 *
 * The "reader" is the folder that the environment variable FAKE_IDCARD_DEVICE names
 * when fake_open is called. A missing folder is an unplugged reader. It holds:
 *   state      one word: card, empty, removed (the card leaves during the read), timeout
 *   text.bin   the text block as the chip holds it
 *   photo.bmp  the photo the "SDK" decoded
 *   photo.wlt  optional: the WLT block, handed over by fake_read when present
 * When FAKE_IDCARD_PHOTO_FILE is set, fake_read also writes the photo to that path, as
 * SDKs that leave a zp.bmp behind do.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define OK 0x90
#define CARD_FOUND 0x9F
#define NO_CARD 0x80
#define SELECT_FAILED 0x81
#define READ_FAILED 0x41
#define PORT_FAILED 0x01
#define TIMED_OUT 0x02

#define USB_PORT 1001

/* Room is left in every path buffer for a file name after the folder. */
static char device[PATH_MAX - 64];
static int opened;

static int device_present(void) {
    struct stat info;
    return stat(device, &info) == 0 && S_ISDIR(info.st_mode);
}

static void device_file(char *path, const char *name) {
    snprintf(path, PATH_MAX, "%s/%s", device, name);
}

static void read_state(char *state, size_t size) {
    char path[PATH_MAX];
    device_file(path, "state");
    state[0] = '\0';
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        return;
    }
    if (fgets(state, (int)size, file) == NULL) {
        state[0] = '\0';
    }
    fclose(file);
    state[strcspn(state, "\r\n ")] = '\0';
}

static void write_state(const char *state) {
    char path[PATH_MAX];
    device_file(path, "state");
    FILE *file = fopen(path, "w");
    if (file != NULL) {
        fputs(state, file);
        fclose(file);
    }
}

/* Copy a device file into buffer, where *length contains the buffer size on entry.
   Returns 0 on success, -1 when the file is missing or does not fit. */
static int copy_file(const char *name, unsigned char *buffer, unsigned int *length) {
    char path[PATH_MAX];
    device_file(path, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return -1;
    }
    size_t count = fread(buffer, 1, *length, file);
    int larger = fgetc(file) != EOF;
    fclose(file);
    if (larger) {
        return -1;
    }
    *length = (unsigned int)count;
    return 0;
}

/* Every card operation starts here: the port must be open and the reader plugged in. */
static int check_link(int port) {
    if (port != USB_PORT || !opened) {
        return PORT_FAILED;
    }
    if (!device_present()) {
        opened = 0;
        return PORT_FAILED;
    }
    return 0;
}

int fake_open(int port) {
    const char *name = getenv("FAKE_IDCARD_DEVICE");
    if (port != USB_PORT || name == NULL || strlen(name) >= sizeof(device)) {
        return PORT_FAILED;
    }
    strcpy(device, name);
    if (!device_present()) {
        return PORT_FAILED;
    }
    opened = 1;
    return OK;
}

int fake_close(int port) {
    if (port != USB_PORT) {
        return PORT_FAILED;
    }
    opened = 0;
    return OK;
}

int fake_find(int port) {
    int failure = check_link(port);
    if (failure) {
        return failure;
    }
    char state[32];
    read_state(state, sizeof(state));
    if (strcmp(state, "timeout") == 0) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        return TIMED_OUT;
    }
    if (strcmp(state, "card") == 0 || strcmp(state, "removed") == 0) {
        return CARD_FOUND;
    }
    return NO_CARD;
}

int fake_select(int port) {
    int failure = check_link(port);
    if (failure) {
        return failure;
    }
    char state[32];
    read_state(state, sizeof(state));
    if (strcmp(state, "card") == 0 || strcmp(state, "removed") == 0) {
        return OK;
    }
    return SELECT_FAILED;
}

int fake_read(int port, unsigned char *text, unsigned int *text_length, unsigned char *wlt, unsigned int *wlt_length) {
    int failure = check_link(port);
    if (failure) {
        return failure;
    }
    char state[32];
    read_state(state, sizeof(state));
    if (strcmp(state, "removed") == 0) {
        write_state("empty");
        return READ_FAILED;
    }
    if (strcmp(state, "card") != 0) {
        return NO_CARD;
    }
    if (copy_file("text.bin", text, text_length) != 0) {
        return READ_FAILED;
    }
    if (copy_file("photo.wlt", wlt, wlt_length) != 0) {
        *wlt_length = 0;
    }

    const char *photo_file = getenv("FAKE_IDCARD_PHOTO_FILE");
    if (photo_file != NULL) {
        static unsigned char bmp[1 << 20];
        unsigned int bmp_length = sizeof(bmp);
        if (copy_file("photo.bmp", bmp, &bmp_length) != 0) {
            return READ_FAILED;
        }
        FILE *file = fopen(photo_file, "wb");
        if (file == NULL) {
            return READ_FAILED;
        }
        size_t written = fwrite(bmp, 1, bmp_length, file);
        fclose(file);
        if (written != bmp_length) {
            return READ_FAILED;
        }
    }
    return OK;
}

int fake_photo(int port, unsigned char *bmp, unsigned int *bmp_length) {
    int failure = check_link(port);
    if (failure) {
        return failure;
    }
    if (copy_file("photo.bmp", bmp, bmp_length) != 0) {
        return READ_FAILED;
    }
    return OK;
}

/* spin: prints once, then computes forever without a syscall (a hung app
 * the host watchdog must catch). */
#include <stdio.h>

int main(void)
{
    printf("spinning\n");
    for (volatile unsigned long i = 0;; i++) {
    }
    return 0;
}

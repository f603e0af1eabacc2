/* chatter: prints "<name> line i" N times with declared computation between
 * the lines, so that two instances interleave under a preemptive scheduler.
 *
 * Usage: chatter [name [N [cycles]]]   (defaults: A, 5 lines, 200000 cycles)
 */
#include <stdio.h>
#include <stdlib.h>

#include <ipcsim/app.h>

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "A";
    int lines = argc > 2 ? atoi(argv[2]) : 5;
    unsigned long long cycles = argc > 3 ? strtoull(argv[3], NULL, 10) : 200000ull;

    for (int i = 0; i < lines; i++) {
        printf("%s line %d\n", name, i);
        if (i + 1 < lines)
            ipcsim_compute(cycles);
    }
    return 0;
}

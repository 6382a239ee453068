#!/usr/bin/env python3
# steptrace-report.py TRACE SYSTEM_MAP CONSOLE_LOG: names the program
# counters scripts/steptrace.py recorded. Kernel addresses are looked up
# in the kernel's System.map and in kvm.ko's symbols as the running
# kernel listed them (the "KSYM" lines of the console log, from
# /proc/kallsyms); guest addresses are counted as "(guest)".
#
# Prints, for the last complete round (the earlier ones warm up), the
# instructions per function in execution order of first appearance, then
# the total, and the total of each round, which must agree: a round that
# differs took another path (an interrupt is masked while stepping, but a
# request or a reschedule is not).
import bisect
import sys


def load_symbols(system_map, console_log):
    syms = []
    with open(system_map) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                syms.append((int(parts[0], 16), parts[2]))
    with open(console_log, errors="replace") as f:
        for line in f:
            parts = line.split()
            # kallsyms lists the assembler's local labels (.L*) of a
            # module too; they are not functions.
            if len(parts) >= 4 and parts[0] == "KSYM" and parts[2] in "tTwW" \
                    and not parts[3].startswith(".L"):
                syms.append((int(parts[1], 16), parts[3] + " [kvm]"))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def rounds_of(trace):
    rounds, cur = [], None
    with open(trace) as f:
        for line in f:
            line = line.strip()
            if line == "ROUND":
                cur = []
                rounds.append(cur)
            elif line:
                cur.append(int(line, 16))
    return rounds


def main():
    trace, system_map, console_log = sys.argv[1:4]
    addrs, names = load_symbols(system_map, console_log)
    rounds = rounds_of(trace)
    if not rounds:
        sys.exit("no round in %s" % trace)

    def name(pc):
        if pc < 1 << 63:
            return "(guest)"
        i = bisect.bisect_right(addrs, pc) - 1
        return names[i] if i >= 0 else "?"

    last = rounds[-1]
    order, count = [], {}
    for pc in last:
        n = name(pc)
        if n not in count:
            order.append(n)
            count[n] = 0
        count[n] += 1
    for n in order:
        print("%7d  %s" % (count[n], n))
    print("%7d  total (last round)" % len(last))
    print("rounds: " + " ".join(str(len(r)) for r in rounds))


main()

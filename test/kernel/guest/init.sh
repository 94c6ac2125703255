#!/bin/busybox sh
# /init of the kernel suite's guest (test/kernel/harness.ts packs it into the initramfs). Runs as PID 1:
# mounts the kernel's file systems, loads the profiles under /moat/profiles with apparmor_parser,
# runs each stage (/moat/stage-N: setup.sh if the harness wrote one, then its plan, carried out by
# moat-probe), prints the kernel's AppArmor audit records and powers off. Every line meant for the harness starts with MOAT-.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t securityfs securityfs /sys/kernel/security
# Audit records reach the kernel log through printk's rate limit (10 every 5 s): lift it, or most
# denials of a batch would be dropped.
echo 0 >/proc/sys/kernel/printk_ratelimit
echo "MOAT-GUEST $(uname -r) $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)"

# A guest booted only to read the kernel's AppArmor features, for the parser on the host.
if [ -f /moat/features-only ]; then
  cd /sys/kernel/security/apparmor/features
  find . -type d | sed 's/^/MOAT-FEATURE-DIR /'
  find . -type f | while read -r f; do echo "MOAT-FEATURE-FILE $f $(od -An -tx1 -v "$f" | tr -d ' \n')"; done
  echo "MOAT-DONE"
  poweroff -f
fi

echo "MOAT-PARSER-START $(cut -d" " -f1 /proc/uptime)"
# Every profile in one parser run. With /moat/cache (profiles compiled on the host for this kernel's
# features, see harness.ts) the parser loads what it finds up to date there and compiles the rest.
if ls /moat/profiles/* >/dev/null 2>&1; then
  if [ -d /moat/cache ]; then
    apparmor_parser -r -k -L /moat/cache /moat/profiles/* >/tmp/parser.out 2>&1
  else
    apparmor_parser -r -K /moat/profiles/* >/tmp/parser.out 2>&1
  fi
  echo "MOAT-PARSER-EXIT $?"
  sed 's/^/MOAT-PARSER /' /tmp/parser.out
fi
sed 's/^/MOAT-LOADED /' /sys/kernel/security/apparmor/profiles
echo "MOAT-PROFILES-DONE $(cut -d" " -f1 /proc/uptime)"

# The stages, in order (harness.ts: GuestStage): each one's setup lines, then its plan.
n=0
while [ -d /moat/stage-$n ]; do
  echo "MOAT-STAGE $n"
  if [ -f /moat/stage-$n/setup.sh ]; then
    sh /moat/stage-$n/setup.sh >/tmp/setup.out 2>&1
    echo "MOAT-SETUP-EXIT $?"
    sed 's/^/MOAT-SETUP /' /tmp/setup.out
    # A last line without its newline would run into the probe's first line.
    [ -z "$(tail -c 1 /tmp/setup.out)" ] || echo
  fi
  /bin/moat-probe plan /moat/stage-$n/plan
  echo "MOAT-PROBE-EXIT $? $(cut -d" " -f1 /proc/uptime)"
  n=$((n + 1))
done

# The kernel prints audit records from a kernel thread: wait until their number stops growing.
last=-1
for i in 1 2 3 4 5 6 7 8 9 10; do
  n=$(dmesg | grep -c ' audit: type=1400 ')
  [ "$n" = "$last" ] && break
  last=$n
  sleep 0.3
done
echo "MOAT-AUDIT-BEGIN $(cut -d" " -f1 /proc/uptime)"
dmesg | grep ' audit: type=1400 ' | grep -v 'apparmor="STATUS"'
echo "MOAT-AUDIT-END"
dmesg | grep 'audit: \(backlog limit exceeded\|audit_lost\|kauditd hold queue overflow\)\|callbacks suppressed' | sed 's/^/MOAT-AUDIT-LOSS /'
echo "MOAT-DONE $(cut -d" " -f1 /proc/uptime)"
poweroff -f

#!/bin/sh
# The FQDN the host is shown follows the hostname: set with hostnamectl
# after hypervkvpd started (as cloud-init does), the host's next look at
# the intrinsic items (FullyQualifiedDomainName) has the new name, under
# the shipped unit's sandbox.
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

old=$(hostname)
new=hvgsys-renamed
restore() {
	hostnamectl set-hostname "$old"
	sed -i '/hvgsys-renamed/d' /etc/hosts
}
trap restore EXIT
# The new name resolves to a domain name, as DNS or cloud-init's
# manage_etc_hosts would make it.
printf '127.0.1.1\t%s.example.test %s\n' "$new" "$new" >>/etc/hosts

systemctl restart hypervkvpd.service
serve kvp
wait_registered kvp
host_kvp intrinsic || fail "hv-hostsim kvp intrinsic failed"
before=$(printf '%s\n' "$HOST_OUT" | awk '$1 == "FullyQualifiedDomainName" { print $2 }')
echo "    before: FullyQualifiedDomainName=$before (hostname $old)"
case $before in "$old"*) ;; *) fail "FullyQualifiedDomainName=$before before the change, hostname $old" ;; esac

hostnamectl set-hostname "$new" || fail "hostnamectl set-hostname failed"
echo "    hostnamectl: $(hostnamectl --static), hostname: $(hostname)"
host_kvp intrinsic || fail "hv-hostsim kvp intrinsic failed"
after=$(printf '%s\n' "$HOST_OUT" | awk '$1 == "FullyQualifiedDomainName" { print $2 }')
echo "    after: FullyQualifiedDomainName=$after"
[ "$after" = "$new.example.test" ] ||
	fail "the host is shown \"$after\" after hostnamectl set-hostname $new (expected $new.example.test)"
log "the FQDN follows hostnamectl set-hostname"

# hvguest: stop the Hyper-V daemons this package replaces, before its own
# start. Shared by the .deb's preinst (debian/rules puts it there) and the
# .rpm's %pre (the spec includes it); POSIX sh, safe under `set -e`.
#
# On Hyper-V a second open of /dev/vmbus/hv_* fails with EBUSY, so an old
# daemon left running keeps its channel from ours until a reboot. Debian's
# hyperv-daemons stops its services in prerm with `invoke-rc.d
# --skip-systemd-native`, which does nothing under systemd: after apt has
# removed it, hv-kvp-daemon.service is "not-found" but still active, with
# /usr/sbin/hv_kvp_daemon (deleted) running. `systemctl stop` still acts on
# such a unit. This must run before our units are installed: once our alias
# hv-kvp-daemon.service -> hypervkvpd.service exists, systemd cannot merge
# the still-active old unit into ours (hypervkvpd fails to load, "File
# exists"). Daemons running without a unit (started by hand or by an init
# script) are ended by their executable's name.
#
# Only under systemd: with another init, the old package's own prerm
# (invoke-rc.d) has stopped them.
#
# The including script defines hvguest_stop_unit UNIT: deb-systemd-invoke
# stop on Debian (it honours policy-rc.d; init-system-helpers is essential),
# systemctl stop in the .rpm.
hvguest_stop_old_daemons() {
	[ -d /run/systemd/system ] || return 0
	# Debian's names, its older hyperv-daemons.* ones, and openSUSE's.
	for hvguest_u in hv-kvp-daemon hv-vss-daemon hv-fcopy-daemon \
		hyperv-daemons.hv-kvp-daemon hyperv-daemons.hv-vss-daemon \
		hyperv-daemons.hv-fcopy-daemon hv_kvp_daemon hv_vss_daemon hv_fcopy_daemon \
		hv_fcopy_uio_daemon; do
		# Our own aliases name hvguest's units (an upgrade): leave those.
		hvguest_id=$(systemctl show -p Id --value "$hvguest_u.service" 2>/dev/null) || continue
		[ "$hvguest_id" = "$hvguest_u.service" ] || continue
		hvguest_state=$(systemctl show -p ActiveState --value "$hvguest_u.service" 2>/dev/null) || continue
		case $hvguest_state in inactive | failed | "") continue ;; esac
		echo "hvguest: stopping $hvguest_u.service ($hvguest_state), replaced by hvguest"
		hvguest_stop_unit "$hvguest_u.service" || :
	done
	hvguest_pids=
	for hvguest_p in /proc/[0-9]*; do
		hvguest_exe=$(readlink "$hvguest_p/exe" 2>/dev/null) || continue
		hvguest_exe=${hvguest_exe% (deleted)}
		case ${hvguest_exe##*/} in
		hv_kvp_daemon | hv_vss_daemon | hv_fcopy_daemon | hv_fcopy_uio_daemon)
			hvguest_pids="$hvguest_pids ${hvguest_p#/proc/}"
			;;
		esac
	done
	[ -n "$hvguest_pids" ] || return 0
	echo "hvguest: ending upstream Hyper-V daemons running without a unit:$hvguest_pids"
	# shellcheck disable=SC2086 # a list of PIDs
	kill -TERM $hvguest_pids 2>/dev/null || :
	hvguest_i=0
	while [ "$hvguest_i" -lt 50 ]; do
		hvguest_alive=
		for hvguest_p in $hvguest_pids; do
			! kill -0 "$hvguest_p" 2>/dev/null || hvguest_alive="$hvguest_alive $hvguest_p"
		done
		[ -n "$hvguest_alive" ] || return 0
		sleep 0.1 2>/dev/null || sleep 1
		hvguest_i=$((hvguest_i + 1))
	done
	echo "hvguest: still running after SIGTERM, killing:$hvguest_alive"
	# shellcheck disable=SC2086
	kill -KILL $hvguest_alive 2>/dev/null || :
}

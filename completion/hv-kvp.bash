# bash completion for hv-kvp(1)
_hv_kvp()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	local cmds="list get set delete watch host"
	local opts="--pool --json --pool-dir --config --option --count --lock-timeout --help --version"

	case $prev in
	-p | --pool)
		COMPREPLY=($(compgen -W "external guest auto auto-external auto-internal 0 1 2 3 4" -- "$cur"))
		return ;;
	--pool-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-c | --config)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-o | --option)
		COMPREPLY=($(compgen -W "kvp.pool_dir= kvp.os_release= kvp.exclude_interfaces= kvp.fqdn_timeout=" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return ;;
	-n | --count | --lock-timeout)
		return ;;
	esac

	local i cmd= pool=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-p | --pool) pool=${words[i+1]} ;;
		--pool=*) pool=${words[i]#--pool=} ;;
		list | get | set | delete | watch | host) [ -z "$cmd" ] && cmd=${words[i]} ;;
		esac
	done

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
		return
	fi
	case $cmd in
	get | delete | set)
		# Keys that exist (first operand only); reading needs no privilege.
		local keys
		keys=$(hv-kvp ${pool:+--pool "$pool"} list --json 2>/dev/null |
			sed -n 's/.*"key":"\([^"\\]*\)".*/\1/p')
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$keys" -- "$cur"))
		;;
	esac
}
complete -F _hv_kvp hv-kvp

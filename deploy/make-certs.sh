#!/usr/bin/env bash
# Writes what a coordinator that serves the network needs (README, "Run on a
# cluster"):
#   deploy/make-certs.sh [--out DIR] [--days N] [--client NAME]... [NAME_OR_IP]...
# into DIR (default ./hpo-certs):
#   ca.pem, ca.key            a certificate authority (kept: a second run signs
#                             with the same CA, so old client certificates stay valid)
#   server.pem, server.key    the coordinator's certificate, valid for every
#                             NAME_OR_IP given (default: localhost, 127.0.0.1 and
#                             this host's name), as subjectAltNames
#   client-NAME.pem/.key      a client certificate per --client (for --tls-client-ca)
#   token                     a random bearer token (kept if it exists)
# Keys and the token are readable by their owner only. Needs openssl.
set -euo pipefail
out=hpo-certs
days=825
clients=()
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --days) days="$2"; shift 2 ;;
    --client) clients+=("$2"); shift 2 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "make-certs.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
command -v openssl >/dev/null || { echo "make-certs.sh: openssl is needed (apt-get install openssl)" >&2; exit 1; }
case "$days" in '' | *[!0-9]*) echo "make-certs.sh: --days must be a number of days" >&2; exit 2 ;; esac
[ ${#names[@]} -gt 0 ] || names=(localhost 127.0.0.1 "$(hostname)")
for c in "${clients[@]}"; do
  case "$c" in '' | *[!A-Za-z0-9._-]*) echo "make-certs.sh: --client $c: use letters, digits, . _ -" >&2; exit 2 ;; esac
done

san=""
for n in "${names[@]}"; do
  if [[ "$n" =~ ^[0-9.]+$ || "$n" == *:* ]]; then entry="IP:$n"; else entry="DNS:$n"; fi
  san="${san:+$san,}$entry"
done

umask 077
mkdir -p "$out"
cd "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ ! -f ca.pem ] || [ ! -f ca.key ]; then
  openssl req -x509 -newkey rsa:3072 -nodes -keyout ca.key -out ca.pem -days "$days" \
    -subj "/CN=hpo CA $(hostname)" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
  echo "make-certs.sh: wrote $out/ca.pem (the CA: give it to clients as --tls-ca)"
fi

# sign NAME CN EXTENSIONS: NAME.pem and NAME.key signed by the CA.
sign() {
  printf '%s\n' "$3" > "$work/ext.cnf"
  openssl req -newkey rsa:3072 -nodes -keyout "$1.key" -out "$work/$1.csr" -subj "/CN=$2" \
    2>"$work/log" &&
    openssl x509 -req -in "$work/$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
      -out "$1.pem" -days "$days" -extfile "$work/ext.cnf" 2>"$work/log" ||
    { cat "$work/log" >&2; exit 1; }
}

sign server "${names[0]}" "subjectAltName=$san
extendedKeyUsage=serverAuth"
echo "make-certs.sh: wrote $out/server.pem and server.key for $san"
for c in "${clients[@]}"; do
  sign "client-$c" "$c" "extendedKeyUsage=clientAuth"
  echo "make-certs.sh: wrote $out/client-$c.pem and client-$c.key"
done
if [ ! -f token ]; then
  openssl rand -hex 32 > token
  echo "make-certs.sh: wrote $out/token (the bearer token: --token-file on every side)"
fi
chmod 644 ca.pem server.pem
for c in "${clients[@]}"; do chmod 644 "client-$c.pem"; done

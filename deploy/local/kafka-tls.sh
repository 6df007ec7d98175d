#!/usr/bin/env bash
# Throwaway certificates and the SASL_SSL listener of the local Kafka broker.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 properties|env DIR PORT

A test CA, a broker certificate for 127.0.0.1 and localhost and a client
certificate, made once under DIR with openssl; nothing of it is a secret of
any real system.

  properties  make what is missing, then print the broker properties of a
              SASL_SSL listener: TLS with a client certificate required,
              SASL PLAIN (user "credex", password in DIR/plain.password) and
              SCRAM-SHA-512 (users are added through the admin API)
  env         print the variables the tests read to reach that listener on
              127.0.0.1:PORT
EOF
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
(($# == 3)) || { usage >&2; exit 2; }
cmd=$1 dir=$2 port=$3

make_certs() {
	[[ -f $dir/client.pem ]] && return
	command -v openssl >/dev/null || { echo "kafka-tls: openssl not found" >&2; exit 1; }
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	(
		cd "$dir.tmp"
		umask 077
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=credex local test CA" \
			-keyout ca.key -out ca.pem 2>/dev/null
		for who in broker client; do
			openssl req -newkey rsa:2048 -nodes -subj "/CN=credex local $who" \
				-keyout "$who.key" -out "$who.csr" 2>/dev/null
			printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$who.ext"
			openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
				-extfile "$who.ext" -out "$who.crt" 2>/dev/null
			# Kafka reads a PEM key store: the key (PKCS#8), then the certificate.
			openssl pkcs8 -topk8 -nocrypt -in "$who.key" -out "$who.pk8"
			cat "$who.pk8" "$who.crt" >"$who.pem"
		done
		head -c 18 /dev/urandom | base64 | tr '+/' '-_' >plain.password
	)
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
}

case $cmd in
properties)
	make_certs
	cat <<EOF
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$dir/broker.pem
listener.name.sasl_ssl.ssl.truststore.type=PEM
listener.name.sasl_ssl.ssl.truststore.location=$dir/ca.pem
listener.name.sasl_ssl.ssl.client.auth=required
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_credex="$(<"$dir/plain.password")";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
	;;
env)
	echo "CREDEX_TEST_KAFKA_SECURE_BROKERS=127.0.0.1:$port"
	echo "CREDEX_TEST_KAFKA_SECURE_DIR=$dir"
	;;
*)
	usage >&2
	exit 2
	;;
esac

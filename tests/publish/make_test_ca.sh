#!/bin/sh
# Makes a throwaway CA for the TLS tests of the push outputs: DIR/ca.pem, a server certificate for
# localhost and 127.0.0.1 (server.pem, server.key), a client certificate (client.pem, client.key),
# and an unrelated CA (other-ca.pem) whose trust must not verify the server.
set -eu
dir=$1
cd "$dir"
q() { "$@" >/dev/null 2>&1 || { echo "make_test_ca: failed: $*" >&2; exit 1; }; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=cjd test CA"
q openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 -subj "/CN=cjd other CA"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
q openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
q openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
q openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=cjd agent"
q openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 -extfile client.ext
chmod 600 ./*.key

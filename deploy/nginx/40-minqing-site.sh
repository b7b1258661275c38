#!/bin/sh
# Run by the nginx image's entrypoint before nginx starts (docker-compose.yml mounts it into
# /docker-entrypoint.d/): picks the site from HTTPS, the same switch the app reads from .env.
#   HTTPS=0            plain HTTP on port 80 (minqing-http.conf)
#   anything else      TLS on 443 with /etc/nginx/certs/fullchain.pem and privkey.pem (minqing-https.conf);
#                      without them the proxy refuses to start, saying why.
set -eu
mode=$(printf '%s' "${HTTPS:-1}" | tr '[:upper:]' '[:lower:]')
case "$mode" in
  0 | false | no | off)
    site=minqing-http.conf
    ;;
  *)
    for file in fullchain.pem privkey.pem; do
      if [ ! -s "/etc/nginx/certs/$file" ]; then
        echo "minqing: HTTPS is on but /etc/nginx/certs/$file is missing. Put the certificate and its key in" \
          "TLS_CERT_DIR (./certs by default), or set HTTPS=0 in .env for a plain-HTTP intranet." >&2
        exit 1
      fi
    done
    site=minqing-https.conf
    ;;
esac
cp "/etc/nginx/minqing/$site" /etc/nginx/conf.d/default.conf
echo "minqing: nginx serves $site"

FROM busybox:local
COPY files/ /files/
COPY build/app.Dockerfile /df

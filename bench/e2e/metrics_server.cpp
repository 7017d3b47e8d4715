// A benchmark target that behaves like a real exporter's HTTP side: HTTP/1.1 keep-alive, one thread
// per connection, the same body for every GET. busybox httpd closes every connection, so with it each
// scrape also pays a TCP handshake through the Docker bridge, and the handshake of the container's
// side is billed to the agent (veth delivers the peer's packets in the sender's context). Go's
// net/http, behind nearly every exporter, keeps connections open; this serves the end-to-end
// benchmark that way.
//
// usage: metrics_server PORT FILE   (FILE is read once at start)
// Linked statically so that an image holds this binary alone (see bench/e2e/run.sh).
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

static char *response;  // status line, headers and body
static size_t response_size;

static int load_response(const char *path) {
  FILE *file = fopen(path, "rb");
  if (!file) return -1;
  if (fseek(file, 0, SEEK_END) != 0) return fclose(file), -1;
  long body_size = ftell(file);
  rewind(file);
  char header[160];
  int header_size = snprintf(header, sizeof header,
                             "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                             "Content-Length: %ld\r\n\r\n",
                             body_size);
  response = static_cast<char *>(malloc((size_t)header_size + (size_t)body_size));
  if (!response) return fclose(file), -1;
  memcpy(response, header, (size_t)header_size);
  size_t read = fread(response + header_size, 1, (size_t)body_size, file);
  fclose(file);
  if (read != (size_t)body_size) return -1;
  response_size = (size_t)header_size + read;
  return 0;
}

static int send_all(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return -1;
    data += sent;
    size -= (size_t)sent;
  }
  return 0;
}

// Answers every request whose header block ends on this connection; requests carry no body (GET).
static void *serve_connection(void *arg) {
  int fd = static_cast<int>(reinterpret_cast<long>(arg));
  char buffer[8192];
  size_t used = 0;
  for (;;) {
    ssize_t got = recv(fd, buffer + used, sizeof buffer - used, 0);
    if (got <= 0) break;
    used += (size_t)got;
    char *end;
    while ((end = static_cast<char *>(memmem(buffer, used, "\r\n\r\n", 4))) != nullptr) {
      if (send_all(fd, response, response_size) != 0) goto done;
      size_t consumed = (size_t)(end + 4 - buffer);
      memmove(buffer, buffer + consumed, used - consumed);
      used -= consumed;
    }
    if (used == sizeof buffer) break;  // a header block larger than 8 KiB: not a scraper
  }
done:
  close(fd);
  return nullptr;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s PORT FILE\n", argv[0]);
    return 2;
  }
  if (load_response(argv[2]) != 0) {
    perror(argv[2]);
    return 1;
  }
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(atoi(argv[1])));
  if (bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || listen(listener, 64) != 0) {
    perror("listen");
    return 1;
  }
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attributes, 64 * 1024);
  for (;;) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    pthread_t thread;
    if (pthread_create(&thread, &attributes, serve_connection, reinterpret_cast<void *>(static_cast<long>(fd))) != 0) close(fd);
  }
}

package app.panelnotes

import kotlinx.coroutines.future.await
import java.io.ByteArrayOutputStream
import java.net.URI
import java.net.http.HttpClient
import java.net.http.WebSocket
import java.nio.ByteBuffer
import java.util.concurrent.CompletionStage

// The relay's WebSocket on the JVM: the JDK's java.net.http.WebSocket (no extra dependency).
// Android has no java.net.http; an Android app passes an OkHttp or Ktor RelaySockets instead
// (README, "Relay on phones").

/** The core refuses bigger frames; a message that grows past this is dropped with the socket. */
private const val MAX_MESSAGE = 16 * 1024 * 1024

object JdkRelaySockets : RelaySockets {
    private val client: HttpClient by lazy { HttpClient.newHttpClient() }

    override suspend fun open(url: String, onMessage: (ByteArray) -> Unit, onClosed: (Throwable?) -> Unit): RelaySocket {
        val listener = object : WebSocket.Listener {
            // A binary message may arrive in parts; the session gets it whole.
            private val parts = ByteArrayOutputStream()
            private var closed = false

            private fun end(ws: WebSocket, error: Throwable?) {
                if (closed) return
                closed = true
                ws.abort()
                onClosed(error)
            }

            override fun onBinary(ws: WebSocket, data: ByteBuffer, last: Boolean): CompletionStage<*>? {
                if (parts.size() + data.remaining() > MAX_MESSAGE) {
                    end(ws, IllegalStateException("a relay message over $MAX_MESSAGE bytes"))
                    return null
                }
                val bytes = ByteArray(data.remaining())
                data.get(bytes)
                parts.write(bytes)
                if (last) {
                    val whole = parts.toByteArray()
                    parts.reset()
                    onMessage(whole)
                }
                ws.request(1)
                return null
            }

            override fun onText(ws: WebSocket, data: CharSequence, last: Boolean): CompletionStage<*>? {
                // Text is not part of the protocol.
                ws.request(1)
                return null
            }

            override fun onClose(ws: WebSocket, statusCode: Int, reason: String): CompletionStage<*>? {
                end(ws, null)
                return null
            }

            override fun onError(ws: WebSocket, error: Throwable) {
                end(ws, error)
            }
        }
        val ws = client.newWebSocketBuilder().buildAsync(URI.create(url), listener).await()
        return object : RelaySocket {
            override suspend fun send(frame: ByteArray) {
                ws.sendBinary(ByteBuffer.wrap(frame), true).await()
            }

            override fun close() {
                if (!ws.isOutputClosed) ws.sendClose(WebSocket.NORMAL_CLOSURE, "")
                ws.abort()
            }
        }
    }
}

/** Syncs every rostered panel through the relay at [url] once, over the JDK's WebSocket. */
suspend fun PanelNotesStore.syncViaRelay(url: String) = syncViaRelay(url, JdkRelaySockets)

/** The relay sync as an object with a status Flow, over the JDK's WebSocket. */
fun PanelNotesStore.relaySync(url: String, keepInSync: Boolean = false, debounceMs: Long = 1500) =
    RelaySync(this, url, JdkRelaySockets, keepInSync, debounceMs)

/** Joins a panel through the relay at [url] with a seat code, over the JDK's WebSocket. */
suspend fun PanelNotesStore.joinViaRelay(inviteUri: String, url: String, label: String) =
    joinViaRelay(inviteUri, url, label, JdkRelaySockets)

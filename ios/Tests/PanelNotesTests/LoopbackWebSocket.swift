import Foundation
import PanelNotes
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A minimal RFC 6455 client over a plain socket, for the relay tests on Linux, where
// swift-corelibs-foundation's URLSessionWebSocketTask fails in this environment (its libcurl
// has no WebSocket support). Loopback ws:// only: no TLS, no extensions. Client frames are
// masked; the server's fragments are joined; pings are answered; a message over 16 MiB
// closes the socket. An iOS app uses URLSessionWebSocketTask instead (README).

struct LoopbackWebSocketError: Error, CustomStringConvertible {
    let description: String
}

final class LoopbackWebSocket: RelaySocket, @unchecked Sendable {
    private let fd: Int32
    private let writeLock = NSLock()
    private static let maxMessage = 16 << 20

    private init(fd: Int32) { self.fd = fd }

    static func connect(_ url: URL) throws -> LoopbackWebSocket {
        guard url.scheme == "ws", let host = url.host, let port = url.port, host == "127.0.0.1" else {
            throw LoopbackWebSocketError(description: "loopback ws://127.0.0.1:PORT only")
        }
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw LoopbackWebSocketError(description: "socket failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw LoopbackWebSocketError(description: "connect failed")
        }
        let ws = LoopbackWebSocket(fd: fd)
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let path = url.path.isEmpty ? "/" : url.path
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try ws.writeAll(Data(request.utf8))
        // The response head, byte by byte up to the blank line (it is short).
        var head = Data()
        while !head.ends(with: "\r\n\r\n") {
            guard head.count < 8192 else { throw LoopbackWebSocketError(description: "response head too long") }
            head.append(try ws.readExactly(1))
        }
        guard let status = String(data: head, encoding: .utf8)?.split(separator: "\r\n").first, status.contains(" 101 ") else {
            throw LoopbackWebSocketError(description: "the server did not switch protocols")
        }
        return ws
    }

    private func writeAll(_ data: Data) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw LoopbackWebSocketError(description: "send failed") }
                offset += n
            }
        }
    }

    private func readExactly(_ count: Int) throws -> Data {
        var out = Data(count: count)
        var offset = 0
        while offset < count {
            let n = out.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress! + offset, count - offset, 0) }
            guard n > 0 else { throw LoopbackWebSocketError(description: "connection closed") }
            offset += n
        }
        return out
    }

    private func writeFrame(opcode: UInt8, payload: Data) throws {
        var frame = Data([0x80 | opcode])
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xffff {
            frame.append(0x80 | 126)
            frame.append(contentsOf: [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)])
        } else {
            frame.append(0x80 | 127)
            frame.append(contentsOf: (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (UInt64($0) * 8)) & 0xff) })
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame.append(contentsOf: mask)
        frame.append(contentsOf: payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        writeLock.lock()
        defer { writeLock.unlock() }
        try writeAll(frame)
    }

    /// Reads frames until the socket ends: whole binary messages go to `onMessage`.
    func readLoop(onMessage: (Data) -> Void) throws {
        var message = Data()
        while true {
            let head = try readExactly(2)
            let fin = head[0] & 0x80 != 0
            let opcode = head[0] & 0x0f
            var length = Int(head[1] & 0x7f)
            if length == 126 {
                let b = try readExactly(2)
                length = Int(b[0]) << 8 | Int(b[1])
            } else if length == 127 {
                let b = try readExactly(8)
                let wide = b.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard wide <= UInt64(Self.maxMessage) else { throw LoopbackWebSocketError(description: "message too large") }
                length = Int(wide)
            }
            let mask = head[1] & 0x80 != 0 ? try readExactly(4) : nil
            guard message.count + length <= Self.maxMessage else { throw LoopbackWebSocketError(description: "message too large") }
            var payload = try readExactly(length)
            if let mask { payload = Data(payload.enumerated().map { $0.element ^ mask[mask.startIndex + $0.offset % 4] }) }
            switch opcode {
            case 0x0, 0x1, 0x2:
                message.append(payload)
                if fin {
                    if opcode != 0x1 { onMessage(message) }
                    message = Data()
                }
            case 0x8: return
            case 0x9: try writeFrame(opcode: 0xA, payload: payload)
            default: break
            }
        }
    }

    func send(_ frame: Data) async throws { try writeFrame(opcode: 0x2, payload: frame) }

    func close() {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    deinit { Glibc.close(fd) }
}

/// Opens loopback WebSockets, each read on a thread of its own.
struct LoopbackWebSockets: RelaySockets {
    func open(url: URL, onMessage: @escaping @Sendable (Data) -> Void,
              onClosed: @escaping @Sendable ((any Error)?) -> Void) async throws -> any RelaySocket {
        let ws = try LoopbackWebSocket.connect(url)
        let reader = Thread {
            do {
                try ws.readLoop(onMessage: onMessage)
                onClosed(nil)
            } catch {
                onClosed(error)
            }
        }
        reader.start()
        return ws
    }
}

private extension Data {
    func ends(with suffix: String) -> Bool {
        let s = Data(suffix.utf8)
        return count >= s.count && self.suffix(s.count) == s
    }
}

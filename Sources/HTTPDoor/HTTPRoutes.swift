import EmbeddingServer
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import WireProtocol

/// The door's routes, each a thin adapter: read the body (bounded by `max_frame_bytes`), read
/// the key and deadline from the head, hand the core an envelope body, write its answer.
///
/// - OpenAI's embeddings API: `POST /v1/embeddings`, `GET /v1/models`, `GET /v1/models/{id}`.
/// - Native JSON, the framed protocol's methods in proto3 JSON: `POST /v1/native/{method}`,
///   `GET /v1/native/info`.
/// - `GET /health` (no key) and `GET /openapi.json` (this API's description; no key).
///
/// Every error, an unknown route's 404 included, is OpenAI's error object.
struct HTTPRoutes: Sendable {
    let gateway: CoreGateway
    /// Largest request body read (`max_frame_bytes`).
    let maxBodyBytes: Int
    /// Unix seconds of the door's start: OpenAI's model objects carry a `created` time.
    let startedAt: Int

    func router() -> Router<DoorRequestContext> {
        let router = Router(context: DoorRequestContext.self)
        router.add(middleware: ErrorBodyMiddleware())
        router.get("/health") { _, _ in health() }
        router.get("/openapi.json") { _, _ in HTTPDoorResponse.json(OpenAPIDocument.json) }
        OpenAIRoutes(routes: self).register(on: router)
        NativeRoutes(routes: self).register(on: router)
        return router
    }

    /// 200 while serving, 503 while starting or draining, with the core's HealthResponse.
    private func health() -> Response {
        let health = gateway.health
        let json = (try? health.jsonString(options: NativeJSON.encoding)) ?? "{}"
        return HTTPDoorResponse.json(json, status: health.status == .serving ? .ok : .serviceUnavailable)
    }

    /// The request's body, whole; 413 when it is larger than `max_frame_bytes`, refused from
    /// its Content-Length before reading it, or as soon as a chunked body grows past it.
    func body(of request: Request) async throws(HTTPFailure) -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            throw .tooLarge(limit: maxBodyBytes)
        }
        do {
            return try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw .tooLarge(limit: maxBodyBytes)
        } catch {
            throw HTTPFailure(.badRequest, "the request body could not be read: \(error)")
        }
    }

    /// What the head says besides the body: key, deadline, connection.
    func call(for request: Request, context: DoorRequestContext) -> CoreCall {
        CoreCall(
            apiKey: CoreCall.bearerKey(request.headers[.authorization]),
            timeoutMilliseconds: CoreCall.timeout(request.headers[Self.timeoutHeader]), peer: context.peer)
    }

    /// The door's log, for what fails outside the core (the core logs its own failures).
    static let logger = Logger(label: "multiembed.http")

    /// `X-Request-Timeout-Ms`: how long the client waits, in milliseconds (the framed
    /// envelope's `deadline_ms`); past it the core answers DEADLINE_EXCEEDED (504).
    static let timeoutHeader = HTTPField.Name("X-Request-Timeout-Ms")!
}

/// Turns what Hummingbird itself answers with an empty body (an unknown route's 404, a method
/// a route does not take, an unexpected error) into OpenAI's error object.
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = DoorRequestContext

    func handle(
        _ request: Request, context: DoorRequestContext, next: (Request, DoorRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as HTTPFailure {
            return failure.response(includingStatus: true)
        } catch let error as HTTPError {
            let message =
                error.status == .notFound
                ? "no route \(request.method) \(request.uri.path) (GET /openapi.json lists them)" : (error.body ?? "\(error.status)")
            let type = error.status.code >= 500 ? "server_error" : "invalid_request_error"
            return HTTPFailure(error.status, type: type, message, code: error.status == .notFound ? "unknown_route" : nil)
                .response(includingStatus: false)
        } catch {
            HTTPRoutes.logger.error("request failed", metadata: ["error": "\(error)"])
            return HTTPFailure(.internalServerError, type: "server_error", "the server failed: \(error)", code: "internal")
                .response(includingStatus: false)
        }
    }
}

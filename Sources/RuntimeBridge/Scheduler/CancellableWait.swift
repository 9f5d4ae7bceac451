import Foundation

/// Awaits an operation that may not honour task cancellation (a `RuntimeHost` implementation's
/// `waitUntilReady`) so that the caller still returns at once when its task is cancelled. The
/// operation keeps running in its own task until it ends by itself (it is asked to cancel too).
enum CancellableWait {
    static func run<Value: Sendable>(
        onCancel cancellationError: any Error,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let gate = ResumeOnce<Value>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                gate.install(continuation)
                let task = Task {
                    do {
                        gate.resume(with: .success(try await operation()))
                    } catch {
                        gate.resume(with: .failure(error))
                    }
                }
                gate.onCancel { task.cancel() }
            }
        } onCancel: {
            gate.resume(with: .failure(cancellationError))
            gate.cancelOperation()
        }
    }
}

/// A continuation resumed by whichever comes first; results that arrive before the continuation
/// is installed are kept for it.
private final class ResumeOnce<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, any Error>?
    private var early: Result<Value, any Error>?
    private var finished = false
    private var cancelOperationAction: (@Sendable () -> Void)?
    private var operationCancelled = false

    func install(_ continuation: CheckedContinuation<Value, any Error>) {
        lock.lock()
        if let early {
            lock.unlock()
            continuation.resume(with: early)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    func resume(with result: Result<Value, any Error>) {
        lock.lock()
        guard !finished else {
            lock.unlock()
            return
        }
        finished = true
        guard let continuation else {
            early = result
            lock.unlock()
            return
        }
        self.continuation = nil
        lock.unlock()
        continuation.resume(with: result)
    }

    func onCancel(_ action: @escaping @Sendable () -> Void) {
        lock.lock()
        let cancelled = operationCancelled
        cancelOperationAction = action
        lock.unlock()
        if cancelled { action() }
    }

    func cancelOperation() {
        lock.lock()
        operationCancelled = true
        let action = cancelOperationAction
        lock.unlock()
        action?()
    }
}

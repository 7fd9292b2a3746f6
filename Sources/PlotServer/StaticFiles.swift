import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps URL paths to files under one root folder, and nothing outside it.
///
/// The raw (still percent-encoded) request path is checked before it is decoded:
/// no `..` or `.` segment, no backslash, no NUL, no encoded slash, no empty
/// segment (so `//etc/passwd` is refused), no dot-files. The joined path is then
/// resolved with `realpath`, which follows symlinks, and must still lie inside
/// the resolved root.
struct StaticFiles: Sendable {
    /// The root folder, resolved (absolute, no symlinks).
    let root: String

    init(root: String) {
        let absolute = root.hasPrefix("/")
            ? root
            : FileManager.default.currentDirectoryPath + "/" + root
        self.root = Self.realPath(absolute) ?? absolute
    }

    enum Resolution: Equatable {
        case file(path: String)
        /// A directory requested without the trailing slash: redirect to `location`.
        case redirect(location: String)
        case forbidden
        case notFound
    }

    /// Resolves a raw, percent-encoded request path such as `/chapter1/fig%201.png`.
    func resolve(rawPath: String) -> Resolution {
        guard let segments = Self.safeSegments(rawPath) else { return .forbidden }
        let joined = segments.isEmpty ? root : root + "/" + segments.joined(separator: "/")
        guard let real = Self.realPath(joined) else { return .notFound }
        guard isInsideRoot(real) else { return .forbidden }

        var info = stat()
        guard stat(real, &info) == 0 else { return .notFound }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return .file(path: real)
        case S_IFDIR:
            guard rawPath.hasSuffix("/") else { return .redirect(location: rawPath + "/") }
            guard let index = Self.realPath(real + "/index.html"), isInsideRoot(index),
                  stat(index, &info) == 0, info.st_mode & S_IFMT == S_IFREG
            else { return .notFound }
            return .file(path: index)
        default:
            return .notFound
        }
    }

    private func isInsideRoot(_ path: String) -> Bool {
        path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
    }

    /// Splits a raw path into decoded segments, or nil when the path is unsafe.
    static func safeSegments(_ rawPath: String) -> [String]? {
        guard rawPath.hasPrefix("/"), !rawPath.hasPrefix("//") else { return nil }
        let lowered = rawPath.lowercased()
        for bad in ["\\", "%5c", "%00", "\0", "%2f"] where lowered.contains(bad) { return nil }

        var parts = rawPath.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if parts.last == "" { parts.removeLast() }          // trailing slash
        var segments: [String] = []
        for part in parts {
            guard !part.isEmpty, let decoded = String(part).removingPercentEncoding else { return nil }
            if decoded.hasPrefix(".") || decoded.contains("/") || decoded.contains("\\")
                || decoded.contains("\0") { return nil }
            segments.append(decoded)
        }
        return segments
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The Content-Type for a file name, by extension.
    static func mimeType(for path: String) -> String {
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json": return "application/json"
        case "txt", "md", "log": return "text/plain; charset=utf-8"
        case "csv": return "text/csv; charset=utf-8"
        case "png": return "image/png"
        case "svg": return "image/svg+xml"
        case "gif": return "image/gif"
        case "jpg", "jpeg": return "image/jpeg"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "pdf": return "application/pdf"
        default: return "application/octet-stream"
        }
    }

    /// `no-cache` (always revalidate) for pages and data that change with every run,
    /// a short max-age for images and other assets (ETag/Last-Modified revalidate after).
    static func cacheControl(for path: String) -> String {
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "html", "htm", "json", "txt", "csv", "md", "log": return "no-cache"
        default: return "max-age=10"
        }
    }
}

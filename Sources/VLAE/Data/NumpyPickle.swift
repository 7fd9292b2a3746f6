// A reader for pickled numpy arrays that executes nothing.
//
// MNIST as the VAE literature uses it (mnist.pkl.gz) is a protocol-2 Python pickle: a tuple of
// three (images, labels) tuples of numpy arrays. Python rebuilds each array by calling
// `numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')` and then `__setstate__` with
// (version, shape, dtype, is_fortran, raw bytes); a dtype by calling `numpy.dtype('f4', 0, 1)` and
// then `__setstate__` with its byte order. Unpickling in Python can call anything the file names;
// this reader calls nothing. It runs the pickle machine over the opcodes that file uses and no
// others, recognises those three names and those call shapes only, and checks every length,
// shape and size against the bytes present. The array data stays where it is in the buffer: an
// array is a shape, a dtype and a byte range.

/// A numpy array read from a pickle: its shape, element type and where its bytes are.
struct PickledArray {
    /// "f4" (float32) or "i8" (int64), little-endian.
    var dtype: String
    var shape: [Int]
    /// The array's raw little-endian bytes within the pickle's buffer.
    var bytes: Range<Int>
}

/// What can go wrong, in words; the caller adds the file name and the remedy.
struct PickleError: Error {
    var problem: String
}

/// A value on the pickle machine's stack.
private indirect enum PickleValue {
    case int(Int)
    case bytes(Range<Int>)
    case none
    case bool(Bool)
    case tuple([PickleValue])
    case global(String)   // "module name", e.g. "numpy dtype"
    case object(PickleObject)
    case mark

    var kind: String {
        switch self {
        case .int: return "an integer"
        case .bytes: return "a string"
        case .none: return "None"
        case .bool: return "a boolean"
        case .tuple(let t): return "a tuple of \(t.count)"
        case .global(let g): return "the name \(g)"
        case .object(let o): return o.dtype != nil ? "a numpy dtype" : "a numpy array"
        case .mark: return "a mark"
        }
    }
}

/// A numpy object under construction: made by a call (REDUCE), completed by BUILD. A class,
/// because the memo shares it: the file builds the float32 dtype once and refers to it again.
private final class PickleObject {
    /// Set for a dtype ("f4" or "i8"); nil for an array.
    var dtype: String?
    /// A dtype: its byte order once built. An array: its contents once built.
    var built = false
    var array: PickledArray?
    init(dtype: String?) { self.dtype = dtype }
}

private let reconstruct = "numpy.core.multiarray _reconstruct"
private let ndarrayName = "numpy ndarray"
private let dtypeName = "numpy dtype"
/// Element sizes of the dtypes this reader accepts.
private let itemSizes = ["f4": 4, "i8": 8]

/// Run the pickle in `buf` and return the value it builds, which must be nested tuples of
/// numpy arrays (returned in order, depth first, with the nesting as `shape` of the result:
/// `tuples[i][j]` is the j-th array of the i-th inner tuple).
func readPickledArrayTuples(_ buf: UnsafeBufferPointer<UInt8>) throws -> [[PickledArray]] {
    var pos = 0
    var stack: [PickleValue] = []
    var memo: [Int: PickleValue] = [:]

    func fail(_ s: String) -> PickleError { PickleError(problem: s) }
    func need(_ n: Int, _ what: String) throws -> Int {
        guard n >= 0, buf.count - pos >= n else {
            throw fail("ends at byte \(buf.count) inside \(what) at byte \(pos) (truncated)")
        }
        let start = pos
        pos += n
        return start
    }
    func u8(_ what: String) throws -> Int { Int(buf[try need(1, what)]) }
    func le(_ n: Int, _ what: String) throws -> UInt32 {
        let s = try need(n, what)
        var v: UInt32 = 0
        for k in 0..<n { v |= UInt32(buf[s + k]) << (8 * k) }
        return v
    }
    func line(_ what: String) throws -> String {
        let start = pos
        while pos < buf.count && buf[pos] != 0x0A {
            guard pos - start < 200 else { throw fail("\(what) at byte \(start) is not a short line of text") }
            pos += 1
        }
        guard pos < buf.count else { throw fail("ends at byte \(buf.count) inside \(what) at byte \(start) (truncated)") }
        pos += 1
        return String(decoding: UnsafeBufferPointer(rebasing: buf[start..<(pos - 1)]), as: UTF8.self)
    }
    func pop(_ op: String) throws -> PickleValue {
        guard let v = stack.popLast() else { throw fail("\(op) at byte \(pos - 1) finds the stack empty") }
        if case .mark = v { throw fail("\(op) at byte \(pos - 1) finds a mark where it needs a value") }
        return v
    }
    func popTuple(_ n: Int, _ op: String) throws -> PickleValue {
        var items = [PickleValue](repeating: .none, count: n)
        for k in stride(from: n - 1, through: 0, by: -1) { items[k] = try pop(op) }
        return .tuple(items)
    }
    func text(_ v: PickleValue) -> String? {
        guard case .bytes(let r) = v, r.count <= 16 else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: buf[r]), as: UTF8.self)
    }
    func int(_ v: PickleValue) -> Int? {
        if case .int(let i) = v { return i }
        return nil
    }

    // REDUCE: the two calls numpy's pickles make, recognised by shape; nothing is called.
    func call(_ callable: PickleValue, _ args: PickleValue, at opPos: Int) throws -> PickleValue {
        guard case .global(let name) = callable, case .tuple(let a) = args else {
            throw fail("REDUCE at byte \(opPos) calls \(callable.kind) with \(args.kind), not a name with a tuple")
        }
        switch name {
        case reconstruct:
            guard a.count == 3, case .global(ndarrayName) = a[0], case .tuple(let s) = a[1], s.count == 1, int(s[0]) == 0,
                  text(a[2]) == "b" else {
                throw fail("REDUCE at byte \(opPos) calls \(reconstruct) with arguments other than (numpy.ndarray, (0,), b'b')")
            }
            return .object(PickleObject(dtype: nil))
        case dtypeName:
            guard a.count == 3, let t = text(a[0]), itemSizes[t] != nil, int(a[1]) == 0, int(a[2]) == 1 else {
                let shown = a.first.flatMap(text).map { "'\($0)'" } ?? "other arguments"
                throw fail("REDUCE at byte \(opPos) asks for numpy dtype \(shown); this reader knows 'f4' and 'i8' only")
            }
            return .object(PickleObject(dtype: t))
        default:
            throw fail("REDUCE at byte \(opPos) calls \(name), which this reader does not know")
        }
    }

    // BUILD: __setstate__ of a dtype (its byte order) or of an array (shape, dtype, bytes).
    func build(_ target: PickleValue, _ state: PickleValue, at opPos: Int) throws {
        guard case .object(let obj) = target, !obj.built, case .tuple(let s) = state else {
            throw fail("BUILD at byte \(opPos) sets the state of \(target.kind) from \(state.kind)")
        }
        if let dtype = obj.dtype {
            // (3, '<', None, None, None, -1, -1, 0): version 3, little-endian, no fields.
            guard s.count == 8, int(s[0]) == 3, text(s[1]) == "<" else {
                throw fail("BUILD at byte \(opPos) gives dtype \(dtype) a state other than (3, '<', ...): not little-endian")
            }
            obj.built = true
            return
        }
        // (1, shape, dtype, is_fortran, bytes)
        guard s.count == 5, int(s[0]) == 1, case .tuple(let dims) = s[1], case .object(let d) = s[2],
              let dtype = d.dtype, d.built, case .bool(false) = s[3], case .bytes(let data) = s[4] else {
            throw fail("BUILD at byte \(opPos) gives an array a state other than (1, shape, little-endian dtype, False, bytes)")
        }
        var shape: [Int] = []
        var elements = 1
        for v in dims {
            guard let n = int(v), n >= 0, n <= 1 << 31 else {
                throw fail("BUILD at byte \(opPos): the array's shape holds \(v.kind), not a size")
            }
            shape.append(n)
            let (product, overflow) = elements.multipliedReportingOverflow(by: n)
            guard !overflow, product <= 1 << 40 else { throw fail("BUILD at byte \(opPos): the shape \(shape) is impossibly large") }
            elements = product
        }
        let size = elements * itemSizes[dtype]!
        guard data.count == size else {
            throw fail("the array built at byte \(opPos) has shape \(shape) of \(dtype), \(size) bytes, but holds \(data.count) bytes")
        }
        obj.array = PickledArray(dtype: dtype, shape: shape, bytes: data)
        obj.built = true
    }

    // The first opcode must say protocol 2.
    guard !buf.isEmpty else { throw fail("is empty") }
    guard buf[0] == 0x80 else { throw fail("does not start with a protocol-2 pickle header (0x80 0x02)") }
    while true {
        let opPos = pos
        guard pos < buf.count else { throw fail("ends at byte \(buf.count) before the pickle's STOP opcode (truncated)") }
        let op = buf[pos]
        pos += 1
        switch op {
        case 0x80:   // PROTO
            let v = try u8("PROTO")
            guard opPos == 0, v == 2 else { throw fail("PROTO \(v) at byte \(opPos): expected protocol 2 at byte 0 only") }
        case 0x63:   // GLOBAL "module\nname\n"
            let name = try line("GLOBAL's module") + " " + line("GLOBAL's name")
            guard [reconstruct, ndarrayName, dtypeName].contains(name) else {
                throw fail("GLOBAL at byte \(opPos) names \(name.replacingOccurrences(of: " ", with: ".")), "
                           + "which this reader does not know (it reads numpy arrays only and runs nothing)")
            }
            stack.append(.global(name))
        case 0x71:   // BINPUT
            let k = try u8("BINPUT")
            guard let top = stack.last else { throw fail("BINPUT at byte \(opPos) finds the stack empty") }
            memo[k] = top
        case 0x68:   // BINGET
            let k = try u8("BINGET")
            guard let v = memo[k] else { throw fail("BINGET at byte \(opPos) asks for memo \(k), never stored") }
            stack.append(v)
        case 0x4B:   // BININT1
            stack.append(.int(try u8("BININT1")))
        case 0x4D:   // BININT2
            stack.append(.int(Int(try le(2, "BININT2"))))
        case 0x4A:   // BININT: signed 32 bits
            stack.append(.int(Int(Int32(bitPattern: try le(4, "BININT")))))
        case 0x55:   // SHORT_BINSTRING
            let n = try u8("SHORT_BINSTRING")
            let s = try need(n, "a \(n)-byte SHORT_BINSTRING")
            stack.append(.bytes(s..<(s + n)))
        case 0x54:   // BINSTRING: signed 32-bit length
            let n = Int(Int32(bitPattern: try le(4, "BINSTRING")))
            guard n >= 0 else { throw fail("BINSTRING at byte \(opPos) has the negative length \(n)") }
            let s = try need(n, "a \(n)-byte BINSTRING")
            stack.append(.bytes(s..<(s + n)))
        case 0x4E:   // NONE
            stack.append(.none)
        case 0x89:   // NEWFALSE
            stack.append(.bool(false))
        case 0x28:   // MARK
            stack.append(.mark)
        case 0x74:   // TUPLE: everything down to the last mark
            guard let m = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else {
                throw fail("TUPLE at byte \(opPos) finds no mark")
            }
            let items = Array(stack[(m + 1)...])
            stack.removeSubrange(m...)
            stack.append(.tuple(items))
        case 0x85: stack.append(try popTuple(1, "TUPLE1"))
        case 0x86: stack.append(try popTuple(2, "TUPLE2"))
        case 0x87: stack.append(try popTuple(3, "TUPLE3"))
        case 0x52:   // REDUCE
            let args = try pop("REDUCE")
            let callable = try pop("REDUCE")
            stack.append(try call(callable, args, at: opPos))
        case 0x62:   // BUILD
            let state = try pop("BUILD")
            guard let target = stack.last else { throw fail("BUILD at byte \(opPos) finds no object to build") }
            try build(target, state, at: opPos)
        case 0x2E:   // STOP
            guard pos == buf.count else { throw fail("has \(buf.count - pos) extra bytes after the pickle's STOP at byte \(opPos)") }
            guard stack.count == 1, case .tuple(let outer) = stack[0] else {
                throw fail("ends with \(stack.count == 1 ? stack[0].kind : "\(stack.count) values"), not a tuple of tuples of arrays")
            }
            return try outer.enumerated().map { i, inner in
                guard case .tuple(let items) = inner else { throw fail("item \(i) of the pickle's tuple is \(inner.kind), not a tuple") }
                return try items.enumerated().map { j, v in
                    guard case .object(let o) = v, let a = o.array else {
                        throw fail("item \(j) of tuple \(i) is \(v.kind), not a numpy array")
                    }
                    return a
                }
            }
        default:
            let shown = op >= 0x20 && op < 0x7F ? " ('\(Character(UnicodeScalar(op)))')" : ""
            throw fail(String(format: "byte %d holds the opcode 0x%02x", opPos, Int(op)) + shown
                       + ", which this reader does not accept (it reads numpy arrays only and runs nothing)")
        }
    }
}

/// A protocol-2 pickle of a tuple of (arrays...) tuples, as numpy 1.x writes them: the inverse
/// of `readPickledArrayTuples`, for the tests (which build small files of the real file's
/// structure and then break them). `arrays[i][j]` is (dtype, shape, raw little-endian bytes).
func writePickledArrayTuples(_ arrays: [[(dtype: String, shape: [Int], bytes: [UInt8])]]) -> [UInt8] {
    var out: [UInt8] = [0x80, 2]
    var memo: [String: UInt8] = [:]
    var next: UInt8 = 1
    func put() { out += [0x71, next]; next &+= 1 }
    /// TUPLE1, TUPLE2 or TUPLE3 over the last n values.
    func tuple(_ n: Int) { precondition((1...3).contains(n)); out.append(0x84 + UInt8(n)) }
    func int(_ n: Int) {
        if n < 256 { out += [0x4B, UInt8(n)] }
        else if n < 65536 { out += [0x4D, UInt8(n & 255), UInt8(n >> 8)] }
        else { out.append(0x4A); withUnsafeBytes(of: Int32(n).littleEndian) { out += $0 } }
    }
    func short(_ s: String) { out += [0x55, UInt8(s.utf8.count)] + Array(s.utf8) }
    func global(_ module: String, _ name: String) {
        if let k = memo[module + " " + name] { out += [0x68, k]; return }
        out.append(0x63); out += Array("\(module)\n\(name)\n".utf8)
        memo[module + " " + name] = next; put()
    }
    for group in arrays {
        for a in group {
            global("numpy.core.multiarray", "_reconstruct")
            global("numpy", "ndarray")
            int(0); out.append(0x85); short("b"); out += [0x87, 0x52]; put()
            out.append(0x28); int(1)
            for n in a.shape { int(n) }
            tuple(a.shape.count)
            if let k = memo["dtype " + a.dtype] {
                out += [0x68, k]
            } else {
                global("numpy", "dtype")
                short(a.dtype); int(0); int(1); out += [0x87, 0x52]
                memo["dtype " + a.dtype] = next; put()
                out.append(0x28); int(3); short("<"); out += [0x4E, 0x4E, 0x4E]
                out.append(0x4A); withUnsafeBytes(of: Int32(-1).littleEndian) { out += $0 }
                out.append(0x4A); withUnsafeBytes(of: Int32(-1).littleEndian) { out += $0 }
                int(0); out += [0x74, 0x62]
            }
            out.append(0x89)
            out.append(0x54); withUnsafeBytes(of: Int32(a.bytes.count).littleEndian) { out += $0 }
            out += a.bytes
            out += [0x74, 0x62]
        }
        tuple(group.count); put()
    }
    tuple(arrays.count)
    out.append(0x2E)
    return out
}

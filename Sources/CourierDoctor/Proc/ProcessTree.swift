/// Finds a process's descendants from the parent of every process (as read from /proc/*/stat).
public enum ProcessTree {
    /// The root and every process below it, root first, then in breadth-first order (children by pid).
    ///
    /// - Parameters:
    ///   - root: The process whose tree is wanted; returned even when `parents` does not list it.
    ///   - parents: Each known process's parent, keyed by pid.
    public static func members(root: Int32, parents: [Int32: Int32]) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for (pid, parent) in parents where pid != parent { children[parent, default: []].append(pid) }
        var result = [root]
        var seen: Set<Int32> = [root]
        var index = 0
        while index < result.count {
            for child in (children[result[index]] ?? []).sorted() where seen.insert(child).inserted {
                result.append(child)
            }
            index += 1
        }
        return result
    }
}

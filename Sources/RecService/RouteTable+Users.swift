import Profiles
import RecCore

/// A user's data: the profile summary, deletion.
extension RouteTable {
    static let getUserProfile = Route(
        .get, "/v1/users/{userId}/profile", operationID: "getUserProfile",
        summary: "Profile summary: counts, top categories, last events.", scope: .read
    ) { call in
        let user = try call.pathParameter("userId")
        guard let p = try await call.catalog.profile(userID: user) else { throw RecServiceError(.notFound, "user \(user) has no profile or interactions") }
        return try p.decoded(as: UserProfileSummary.self)
    }

    static let deleteUser = Route(
        .delete, "/v1/users/{userId}", operationID: "deleteUser", summary: "Removes a user's profile and interactions.", scope: .admin
    ) { call in
        let user = try call.pathParameter("userId")
        let deleted = try await ProfileStore.deleteUser(UserID(user), in: call.deps.pool)
        call.context.logger.info("deleted user data", metadata: ["interactions": "\(deleted.interactions)"])
        return DeletedUser(deletedInteractions: deleted.interactions, deletedProfile: deleted.profiles > 0, userId: user)
    }
}

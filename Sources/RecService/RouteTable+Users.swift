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
        let (profile, interactions) = try await call.catalog.deleteUser(userID: user)
        call.context.logger.info("deleted user data", metadata: ["interactions": "\(interactions)"])
        return DeletedUser(deletedInteractions: interactions, deletedProfile: profile, userId: user)
    }
}

// Placeholder translation unit until the registry lands.
namespace signet::registry {}

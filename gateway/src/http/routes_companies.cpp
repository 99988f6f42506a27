// Routes of this area: filled in by the area's work (see api.hpp).

#include "http/api.hpp"

namespace portal::gateway {

void
add_company_routes(router&)
{
}

} // namespace portal::gateway

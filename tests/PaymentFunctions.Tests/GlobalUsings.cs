// The push library's public types and the internals its tests exercise (InternalsVisibleTo).
global using AzureFunctions.PrometheusPush;
global using AzureFunctions.PrometheusPush.Internal;
global using AzureFunctions.PrometheusPush.Internal.Configuration;
global using AzureFunctions.PrometheusPush.Internal.Delivery;
global using AzureFunctions.PrometheusPush.Internal.Encoding;
global using AzureFunctions.PrometheusPush.Internal.Health;
global using AzureFunctions.PrometheusPush.Internal.Identity;
global using AzureFunctions.PrometheusPush.Internal.Invocations;
global using AzureFunctions.PrometheusPush.Internal.Scheduling;

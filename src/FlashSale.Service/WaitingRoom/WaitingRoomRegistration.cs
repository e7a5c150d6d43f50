using FlashSale.Service.Hosting;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.WaitingRoom;

internal static class WaitingRoomRegistration
{
    public static IServiceCollection AddFlashSaleWaitingRoom(this IServiceCollection services, Roles roles)
    {
        services.AddOptions<WaitingRoomOptions>().BindConfiguration(WaitingRoomOptions.Section).ValidateDataAnnotations()
            .Validate(o => !AdmissionTokens.Problems(o).Any(), "FlashSale:WaitingRoom token keys are not valid (see AdmissionTokens.Problems).")
            .Validate(o => !ReturnUrls.Problems(o).Any(), "FlashSale:WaitingRoom:ReturnOrigins holds something that is not an http(s) origin (see ReturnUrls.Problems).")
            .ValidateOnStart();
        services.AddSingleton<QueueRoom>().AddSingleton<ShuffleSeeds>().AddSingleton<QueueShuffler>().AddSingleton<AdmissionTokens>().AddSingleton<ReturnUrls>().AddSingleton<RoomSales>();
        if (roles.Edge) services.AddHostedService<QueueOutflow>();
        return services;
    }
}

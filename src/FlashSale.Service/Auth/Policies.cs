namespace FlashSale.Service.Auth;

public static class Policies
{
    public const string Admin = "admin";
    public const string Storefront = "storefront";
}

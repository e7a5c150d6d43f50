return await FlashSale.Load.Rehearsal.MainAsync(args);
